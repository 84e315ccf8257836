package mqtt

// Metric names passed to Options.OnMetric, as the InfluxDB sink reports
// them: the runtime maps them to its collectors, so this package imports
// no metrics library. Counters pass a delta, gauges their new value, and
// MetricLatency one observation.
const (
	MetricPublished     = "published"      // label kind: messages the broker acknowledged (PublishedKinds)
	MetricFailed        = "failed"         // label reason: publishes that failed or were not made (FailureReasons)
	MetricDropped       = "dropped"        // label reason: states and names not published (DropReasons)
	MetricRetry         = "retry"          // failed connection attempts
	MetricReconnect     = "reconnect"      // connections made
	MetricConnected     = "connected"      // gauge: 1 while connected, else 0
	MetricCommand       = "command"        // label result: commands refused on the command topic (CommandResult)
	MetricNotDurable    = "not_durable"    // events kept in memory because the outbox refused them
	MetricMemoryBacklog = "memory_backlog" // gauge: events held only in memory
	MetricMemoryDropped = "memory_dropped" // label reason "memory_cap": events dropped from memory over its cap
	MetricLatency       = "latency"        // seconds from a unit's change to its acknowledged publish
)

// FailureReasons are the "reason" labels of MetricFailed.
var FailureReasons = []string{"state", "timeout", "error", "map_too_large", "encode", "state_link"}

// DropReasons are the "reason" labels of MetricDropped.
var DropReasons = []string{"bad_topic_name", "older_than_retained_unit", "older_than_retained_channel"}

// labelSets holds one label map per known value, built once: metrics are
// reported on every publish and must not allocate.
type labelSets map[string]map[string]map[string]string

func newLabelSets() labelSets {
	l := labelSets{}
	add := func(key string, values ...string) {
		if l[key] == nil {
			l[key] = map[string]map[string]string{}
		}
		for _, v := range values {
			l[key][v] = map[string]string{key: v}
		}
	}
	add("kind", PublishedKinds()...)
	add("reason", FailureReasons...)
	add("reason", DropReasons...)
	add("reason", "memory_cap")
	add("result", "unknown_topic", "too_large", "malformed", "bad_id", "bad_by", "ok")
	return l
}

func (l labelSets) get(key, value string) map[string]string {
	if m := l[key][value]; m != nil {
		return m
	}
	return map[string]string{key: value}
}

// metric reports one value to Options.OnMetric; key and value are its
// label ("" for none).
func (s *Sink) metric(name, key, value string, v float64) {
	if s.opts.OnMetric == nil {
		return
	}
	var labels map[string]string
	if key != "" {
		labels = s.labels.get(key, value)
	}
	s.opts.OnMetric(name, labels, v)
}
