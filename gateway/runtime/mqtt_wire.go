package runtime

import mqttsink "radiogw/gateway/publish/mqtt"

// mqttMetric maps the MQTT sink's metrics to the Prometheus collectors.
func (d *Daemon) mqttMetric(name string, l map[string]string, v float64) {
	m := d.metrics
	switch name {
	case mqttsink.MetricPublished:
		m.SinkPublished.WithLabelValues("mqtt", l["kind"]).Add(v)
	case mqttsink.MetricFailed:
		m.SinkFailures.WithLabelValues("mqtt", l["reason"]).Add(v)
	case mqttsink.MetricDropped:
		m.Drops.WithLabelValues("sink_mqtt", l["reason"]).Add(v)
	case mqttsink.MetricRetry:
		m.SinkRetries.WithLabelValues("mqtt").Add(v)
	case mqttsink.MetricReconnect:
		m.SinkReconnects.WithLabelValues("mqtt").Add(v)
	case mqttsink.MetricConnected:
		m.SinkConnected.WithLabelValues("mqtt").Set(v)
	case mqttsink.MetricCommand:
		m.CommandsTotal.WithLabelValues("mqtt", l["result"]).Add(v)
	case mqttsink.MetricNotDurable:
		m.NotDurable.WithLabelValues("mqtt").Add(v)
	case mqttsink.MetricMemoryBacklog:
		m.MemoryBacklog.WithLabelValues("mqtt").Set(v)
	case mqttsink.MetricMemoryDropped:
		m.OutboxDropped.WithLabelValues("mqtt", l["reason"]).Add(v)
	case mqttsink.MetricLatency:
		m.PublishLatency.WithLabelValues("mqtt").Observe(v)
	}
}
