package runtime

import (
	mqttsink "radiogw/gateway/publish/mqtt"
	"radiogw/gateway/publish/outbox"
)

// initMetrics creates every labelled counter this configuration can
// increment, at zero, so an increase() alert sees the first reload
// rejected or the first drop rather than a series appearing from nothing.
// Source counters are created with their source (sources.go).
func (d *Daemon) initMetrics() {
	m := d.metrics
	initCAPMetrics(m)
	for _, r := range []string{"applied", "rejected"} {
		m.Reloads.WithLabelValues(r).Add(0)
	}
	drops := [][2]string{
		{"inbox", "position_coalesced"}, {"inbox", "event_over_cap"},
		{"snapshot", "write_error"},
		{"journal", "write_error"}, {"journal", "encode_error"}, {"journal", "decode_error"},
		{"sink_influx", "invalid"},
	}
	for _, r := range mqttsink.DropReasons {
		drops = append(drops, [2]string{"sink_mqtt", r})
	}
	for _, sink := range []string{"mqtt", "influx"} {
		drops = append(drops, [2]string{"sink_" + sink, "event_overflow"}, [2]string{"sink_" + sink, "write_error"})
	}
	for _, k := range drops {
		m.Drops.WithLabelValues(k[0], k[1]).Add(0)
	}
	for _, r := range mqttsink.FailureReasons {
		m.SinkFailures.WithLabelValues("mqtt", r).Add(0)
	}
	m.SinkFailures.WithLabelValues("influx", "rejected").Add(0)
	for _, k := range mqttsink.PublishedKinds() {
		m.SinkPublished.WithLabelValues("mqtt", k).Add(0)
	}
	m.SinkPublished.WithLabelValues("influx", "point").Add(0)
	for _, sink := range []string{"mqtt", "influx"} {
		m.SinkRetries.WithLabelValues(sink).Add(0)
		m.NotDurable.WithLabelValues(sink).Add(0)
		m.OutboxFailing.WithLabelValues(sink).Set(0)
		m.OutboxDepth.WithLabelValues(sink).Set(0)
		m.OutboxAge.WithLabelValues(sink).Set(0)
		for _, r := range []string{outbox.DropCapPosition, outbox.DropAgePosition, outbox.DropCapEvent,
			outbox.DropWriteError, outbox.DropTorn, outbox.DropCorrupt, outbox.DropFullPosition} {
			m.OutboxDropped.WithLabelValues(sink, r).Add(0)
		}
	}
	m.OutboxDropped.WithLabelValues("mqtt", "memory_cap").Add(0)
	m.SinkReconnects.WithLabelValues("mqtt").Add(0)
	m.SinkConnected.WithLabelValues("mqtt").Set(0)
	m.MemoryBacklog.WithLabelValues("mqtt").Set(0)
	for _, via := range []string{"http", "mqtt"} {
		for _, r := range []string{"ok", "rejected", "malformed", "unauthorized", "no_token_configured",
			"unknown_topic", "too_large", "bad_id", "bad_by"} {
			m.CommandsTotal.WithLabelValues(via, r).Add(0)
		}
	}
}

// decodeReasons are the reasons decoders give (codec.Errorf), and "other"
// for an untyped error; ignored frames have a counter of their own.
var decodeReasons = []string{"syntax", "invalid", "unsupported", "checksum", "id", "length", "kind", "other"}
