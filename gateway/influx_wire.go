package gateway

import (
	"radiogw/gateway/publish"
	"radiogw/gateway/publish/influx"
	"radiogw/hcl"
)

// newInfluxSink builds the InfluxDB sink. Without an influx block it still
// exists, with no URL: every point is kept in the outbox on disk so nothing
// is lost, and `radiogw export` writes it out as line protocol later.
func (d *Daemon) newInfluxSink(cfg *hcl.Config) (publish.Sink, error) {
	o, err := d.openOutbox("influx", cfg)
	if err != nil {
		return nil, err
	}
	opts := influx.Options{Site: cfg.Site, Outbox: o, Logger: d.log, UnitOf: d.resolveRadio,
		OnMetric: d.influxMetric}
	if c := cfg.Influx; c != nil {
		opts.URL, opts.Org, opts.Bucket, opts.Token = c.URL, c.Org, c.Bucket, c.Token.Value()
		opts.BatchSize, opts.FlushEvery, opts.Timeout = c.BatchSize, c.FlushEvery, c.Timeout
	}
	return influx.New(opts)
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
