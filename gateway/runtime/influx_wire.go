package runtime

import (
	"time"

	"radiogw/gateway/change"
	"radiogw/gateway/publish/influx"
	"radiogw/hcl"
)

// newInfluxSink builds the InfluxDB sink. Without an influx block it still
// exists, with no URL: every point is kept in the outbox on disk so nothing
// is lost, and `radiogw export` writes it out as line protocol later.
func (d *Daemon) newInfluxSink(cfg *hcl.Config) (change.Sink, error) {
	o, err := d.openOutbox("influx", cfg)
	if err != nil {
		return nil, err
	}
	opts := influx.Options{Site: cfg.Site, Outbox: o, Logger: d.log, UnitOf: d.resolveRadio,
		OnMetric: d.influxMetric}
	if c := cfg.Influx; c != nil {
		opts.URL, opts.Org, opts.Bucket, opts.Token = c.URL, c.Org, c.Bucket, c.Token.Value()
		opts.BatchSize, opts.FlushEvery, opts.Timeout = c.BatchSize, c.FlushEvery, c.Timeout
		opts.GZip = c.GZip
	}
	sink, err := influx.New(opts)
	if err != nil {
		return nil, err
	}
	d.influx = sink
	return sink, nil
}

// writeHealth queues radiogw's own health point (outbox depth and age,
// inbox depth) in the InfluxDB history, so an outage shows up there too.
func (d *Daemon) writeHealth(now time.Time) {
	if d.influx == nil || now.Sub(d.lastHealth) < 10*time.Second {
		return
	}
	d.lastHealth = now
	extra := map[string]float64{"inbox_depth": float64(d.pipe.Depth())}
	if o := d.outboxes["mqtt"]; o != nil {
		extra["mqtt_outbox_depth"] = float64(o.Stats().Depth)
	}
	if err := d.influx.WriteHealth(now, extra); err != nil {
		d.log.Warn("health point not queued", "err", err)
	}
}

func (d *Daemon) influxMetric(name string, _ map[string]string, delta float64) {
	m := d.metrics
	switch name {
	case influx.MetricWritten:
		m.SinkPublished.WithLabelValues("influx", "point").Add(delta)
	case influx.MetricRetry:
		m.SinkRetries.WithLabelValues("influx").Add(delta)
	case influx.MetricRejected:
		m.SinkFailures.WithLabelValues("influx", "rejected").Add(delta)
	case influx.MetricInvalid:
		m.Drops.WithLabelValues("sink_influx", "invalid").Add(delta)
	}
}
