// Package metrics holds radiogw's Prometheus metrics. Every drop, retry and
// reconnect in the daemon is counted here, with low-cardinality labels.
package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics is the set of collectors of one daemon.
type Metrics struct {
	Registry *prometheus.Registry

	Frames         *prometheus.CounterVec   // source
	FrameBytes     *prometheus.CounterVec   // source
	DecodeErrors   *prometheus.CounterVec   // source, reason
	Unsupported    *prometheus.CounterVec   // source, name: well-formed frames radiogw does not decode
	FramesIgnored  *prometheus.CounterVec   // source
	SourceEvents   *prometheus.CounterVec   // source, event (reconnect, oversize, denied, ...)
	SourceUp       *prometheus.GaugeVec     // source
	Drops          *prometheus.CounterVec   // stage, reason
	Observations   *prometheus.CounterVec   // kind (fix, event, identity)
	FixRejections  *prometheus.CounterVec   // source, reason
	FixLate        *prometheus.CounterVec   // source, reason: history only, the unit did not move
	FixCorrected   *prometheus.CounterVec   // source, kind: fix times completed or corrected
	Units          *prometheus.GaugeVec     // stale level
	Emergencies    prometheus.Gauge         // active emergencies
	SinkPublished  *prometheus.CounterVec   // sink, kind
	SinkFailures   *prometheus.CounterVec   // sink, reason
	SinkRetries    *prometheus.CounterVec   // sink
	SinkReconnects *prometheus.CounterVec   // sink
	SinkConnected  *prometheus.GaugeVec     // sink
	OutboxDepth    *prometheus.GaugeVec     // sink
	OutboxAge      *prometheus.GaugeVec     // sink: age of the oldest entry, seconds
	OutboxDropped  *prometheus.CounterVec   // sink, reason
	OutboxFailing  *prometheus.GaugeVec     // sink: 1 while appends to its outbox fail (full disk)
	NotDurable     *prometheus.CounterVec   // sink: entries that could not be made durable and went out from memory
	MemoryBacklog  *prometheus.GaugeVec     // sink: events held only in memory
	PublishLatency *prometheus.HistogramVec // sink: receive-to-publish-confirmed, seconds
	QueueDepth     *prometheus.GaugeVec     // queue (frames, observations)
	Reloads        *prometheus.CounterVec   // result
	CommandsTotal  *prometheus.CounterVec   // via, result
	Replies        *prometheus.CounterVec   // source, result
	Exports        *prometheus.CounterVec   // format, result: track exports over HTTP
	BrokerEvents   *prometheus.CounterVec   // listener, event: the embedded broker's refusals, retries, timeouts
	BrokerDropped  *FuncCounters            // reason: messages the embedded broker dropped for a slow subscriber
	BrokerFlow     *FuncCounters            // event: a QoS 1/2 message waited for an MQTT 5 client's Receive Maximum
	HTTPEvents     *prometheus.CounterVec   // event: the HTTP server's refusals and retries
	Active         prometheus.Gauge         // 1 while this instance publishes (always, without an ha block)
	RoleChanges    *prometheus.CounterVec   // role taken: active, standby
	Followed       prometheus.Counter       // unit states a standby adopted from the active
	NamesRejected  *prometheus.CounterVec   // source, reason: names that cannot be topic levels
	UnlistedUnits  *prometheus.CounterVec   // source, event (refused, expired)
	UnitsForgotten prometheus.Counter       // units removed by the API or `radiogw forget`
	CAPMessages    *prometheus.CounterVec   // msg_type, result: CAP alerts published or failed
}

// ExportResults are the results of a track export, every one present at
// zero from the start.
var ExportResults = []string{"ok", "bad_query", "too_many", "history_error"}

// New registers every collector on a fresh registry.
func New() *Metrics {
	r := prometheus.NewRegistry()
	f := factory{r}
	m := &Metrics{
		Registry:       r,
		Frames:         f.counter("radiogw_frames_total", "Frames read, by source.", "source"),
		FrameBytes:     f.counter("radiogw_frame_bytes_total", "Frame payload bytes read, by source.", "source"),
		DecodeErrors:   f.counter("radiogw_decode_errors_total", "Frames that failed to decode, by source and reason.", "source", "reason"),
		Unsupported:    f.counter("radiogw_unsupported_frames_total", "Well-formed frames of a kind radiogw does not decode (vendor sentences without a position), by source and sentence name (at most 32 names per source, then \"other\").", "source", "name"),
		FramesIgnored:  f.counter("radiogw_frames_ignored_total", "Well-formed frames that carry nothing radiogw uses (a sentence type it does not track), by source.", "source"),
		SourceEvents:   f.counter("radiogw_source_events_total", "Transport events (reconnect, oversize, denied, garbage, conn_rejected, idle_close), by source.", "source", "event"),
		SourceUp:       f.gauge("radiogw_source_up", "1 while a source (or at least one of its connections) is up.", "source"),
		Drops:          f.counter("radiogw_drops_total", "Data dropped or coalesced, by pipeline stage and reason.", "stage", "reason"),
		Observations:   f.counter("radiogw_observations_total", "Decoded observations, by kind.", "kind"),
		FixRejections:  f.counter("radiogw_fix_rejections_total", "Fixes rejected by the tracker's filter, by source and reason.", "source", "reason"),
		FixLate:        f.counter("radiogw_fix_late_total", "Fixes stored as history without moving their unit (too old, or older than the live position), by source and reason.", "source", "reason"),
		FixCorrected:   f.counter("radiogw_fix_time_corrections_total", "Fix times completed or corrected: gps_week_rollover, date_from_device, date_from_receive; by source.", "source", "kind"),
		Units:          f.gauge("radiogw_units", "Tracked units by stale level.", "stale"),
		Emergencies:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "radiogw_emergencies_active", Help: "Emergencies raised and not cleared."}),
		SinkPublished:  f.counter("radiogw_sink_published_total", "Messages or points confirmed by a sink's destination.", "sink", "kind"),
		SinkFailures:   f.counter("radiogw_sink_failures_total", "Failed deliveries by sink and reason.", "sink", "reason"),
		SinkRetries:    f.counter("radiogw_sink_retries_total", "Delivery retries by sink.", "sink"),
		SinkReconnects: f.counter("radiogw_sink_reconnects_total", "Connections (re)established by sink.", "sink"),
		SinkConnected:  f.gauge("radiogw_sink_connected", "1 while a sink is connected.", "sink"),
		OutboxDepth:    f.gauge("radiogw_outbox_depth", "Entries waiting in a sink's outbox.", "sink"),
		OutboxAge:      f.gauge("radiogw_outbox_oldest_age_seconds", "Age of the oldest entry in a sink's outbox.", "sink"),
		OutboxDropped:  f.counter("radiogw_outbox_dropped_total", "Outbox entries dropped by the overflow policy, by sink and reason.", "sink", "reason"),
		OutboxFailing:  f.gauge("radiogw_outbox_write_failing", "1 while appends to a sink's outbox fail (a full disk, an I/O error): an alarm.", "sink"),
		NotDurable:     f.counter("radiogw_sink_not_durable_total", "Entries a sink could not make durable (outbox write failed) and delivers from memory.", "sink"),
		MemoryBacklog:  f.gauge("radiogw_sink_memory_backlog", "Events a sink holds only in memory because its outbox could not take them.", "sink"),
		PublishLatency: f.histogram("radiogw_publish_latency_seconds", "Time from frame receipt to confirmed delivery, by sink.", "sink"),
		QueueDepth:     f.gauge("radiogw_queue_depth", "Items waiting in an internal queue.", "queue"),
		Reloads:        f.counter("radiogw_reloads_total", "Configuration reloads by result.", "result"),
		CommandsTotal:  f.counter("radiogw_commands_total", "Emergency commands received, by path and result.", "via", "result"),
		Replies:        f.counter("radiogw_replies_total", "Replies to devices (acks, location requests) by sending source and result (sent, denied, rate_limited_peer, rate_limited_total, send_failed, no_source).", "source", "result"),
		CAPMessages:    f.counter("radiogw_cap_messages_total", "CAP 1.2 messages (Alert, Update, Cancel, and the clear of a cancelled retained alert) confirmed by the broker or failed (not built, or not confirmed and sent again), by message type and result.", "msg_type", "result"),
		Exports:        f.counter("radiogw_track_exports_total", "Track exports requested over HTTP, by format and result.", "format", "result"),
		BrokerEvents: f.counter("radiogw_broker_events_total",
			"Embedded broker connections refused, timed out or retried, by listener (tcp, ws) and event.", "listener", "event"),
		BrokerDropped: newFuncCounters("radiogw_broker_dropped_total",
			"Messages the embedded broker dropped for a subscriber too slow to take them, by reason (superseded: state replaced by newer state on the same topic before it was sent).", "reason",
			"inflight_full", "writes_pending", "superseded"),
		BrokerFlow: newFuncCounters("radiogw_broker_flow_control_total",
			"Embedded broker flow control toward MQTT 5 subscribers, by event (held: a QoS 1/2 message waited, in order, because the subscriber had as many unacknowledged as its Receive Maximum allows).", "event",
			"held"),
		HTTPEvents: f.counter("radiogw_http_events_total",
			"HTTP requests and connections refused, and Accept errors retried, by event.", "event"),
		NamesRejected:  f.counter("radiogw_names_rejected_total", "Observations refused because a unit, radio, channel or trunked-system name cannot be an MQTT topic level (or over-the-air aliases dropped as unprintable), by source and reason.", "source", "reason"),
		UnlistedUnits:  f.counter("radiogw_unlisted_units_total", "Units not in the roster refused over the cap or expired after lost plus the grace period, by source.", "source", "event"),
		UnitsForgotten: prometheus.NewCounter(prometheus.CounterOpts{Name: "radiogw_units_forgotten_total", Help: "Units removed on request (DELETE /api/v1/units/{unit}, radiogw forget)."}),
	}
	for _, format := range []string{"geojson", "gpx", "kml", "unknown"} {
		for _, res := range ExportResults {
			m.Exports.WithLabelValues(format, res)
		}
	}
	r.MustRegister(m.BrokerDropped, m.BrokerFlow)
	m.Active = prometheus.NewGauge(prometheus.GaugeOpts{Name: "radiogw_ha_active", Help: "1 while this instance publishes: always without an ha block; in a pair, while keepalived says it is the active."})
	m.Active.Set(1)
	m.RoleChanges = f.counter("radiogw_ha_role_changes_total", "Role changes of an active/standby pair member, by the role taken.", "role")
	m.Followed = prometheus.NewCounter(prometheus.CounterOpts{Name: "radiogw_ha_followed_total", Help: "Unit states a standby adopted from the active's retained states."})
	for _, role := range []string{"active", "standby"} {
		m.RoleChanges.WithLabelValues(role)
	}
	for _, reason := range []string{"queue_full", "malformed", "invalid"} {
		m.Drops.WithLabelValues("follower", reason)
	}
	m.Drops.WithLabelValues("sink_mqtt", "standby")
	r.MustRegister(m.Active, m.Followed)
	r.MustRegister(m.Emergencies, m.UnitsForgotten, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

type factory struct{ r *prometheus.Registry }

func (f factory) counter(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.r.MustRegister(c)
	return c
}

func (f factory) gauge(name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	f.r.MustRegister(g)
	return g
}

func (f factory) histogram(name, help string, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help,
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, labels)
	f.r.MustRegister(h)
	return h
}

// FuncCounters is a counter family whose values are read from a function at
// scrape time (a library's own atomic totals), zero until the function is
// set. Every label value is present from the start.
type FuncCounters struct {
	desc   *prometheus.Desc
	values []string
	fn     atomic.Pointer[func() []float64]
}

func newFuncCounters(name, help, label string, values ...string) *FuncCounters {
	return &FuncCounters{desc: prometheus.NewDesc(name, help, []string{label}, nil), values: values}
}

// Set makes fn the source of the values, in the order the label values were
// declared.
func (c *FuncCounters) Set(fn func() []float64) { c.fn.Store(&fn) }

// Describe implements prometheus.Collector.
func (c *FuncCounters) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *FuncCounters) Collect(ch chan<- prometheus.Metric) {
	var got []float64
	if fn := c.fn.Load(); fn != nil {
		got = (*fn)()
	}
	for i, v := range c.values {
		x := 0.0
		if i < len(got) {
			x = got[i]
		}
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, x, v)
	}
}
