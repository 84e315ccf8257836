package runtime

import (
	"path/filepath"
	"time"

	"radiogw/gateway/cap"
	"radiogw/gateway/change"
	"radiogw/gateway/metrics"
	mqttsink "radiogw/gateway/publish/mqtt"
	"radiogw/hcl"
)

// capConfig is the cap block as gateway/cap takes it.
func capConfig(site string, c *hcl.CAP) cap.Config {
	fields := c.Fields
	if fields == nil {
		fields = []string{} // hcl applied the default; an empty list means none
	}
	return cap.Config{Site: site, Sender: c.Sender, SenderName: c.SenderName, IdentifierPrefix: c.IdentifierPrefix,
		Status: c.Status, Scope: c.Scope, Restriction: c.Restriction, Addresses: c.Addresses, Language: c.Language,
		Category: c.Category, CriticalEvents: c.CriticalEvents, StatusCodes: c.StatusCodes, Geofences: c.Geofences,
		Fields: fields, IncludePosition: c.IncludePosition, PositionRadiusM: c.PositionRadiusM,
		Expires: c.Expires, FeedKeep: c.FeedKeep}
}

// wireCAP publishes CAP alerts through the MQTT sink's outbox, on
// <root>/cap/<incident>, when the configuration has a cap block.
func (d *Daemon) wireCAP(cfg *hcl.Config, opts *mqttsink.Options) error {
	if cfg.CAP == nil {
		return nil
	}
	m := d.metrics
	p, err := cap.New(capConfig(cfg.Site, cfg.CAP), cap.Options{Path: filepath.Join(cfg.DataDir, "cap.json"),
		Logger: d.log, OnFailed: func(msgType string) { capCount(m, msgType, "failed") },
		OnEvicted: func(n int) { m.Drops.WithLabelValues("cap_feed", "evicted").Add(float64(n)) }})
	if err != nil {
		return err
	}
	d.cap = p
	opts.Extra = func(events []change.Event) []mqttsink.Extra {
		msgs := p.Messages(events, time.Now())
		out := make([]mqttsink.Extra, len(msgs))
		for i, c := range msgs {
			out[i] = mqttsink.Extra{Topic: "cap/" + c.ID, Payload: c.Doc, Retain: c.Retain, Label: c.MsgType}
		}
		return out
	}
	opts.OnExtra = func(msgType string, ok bool) {
		if ok {
			capCount(m, msgType, "published")
		} else {
			capCount(m, msgType, "failed")
		}
	}
	return nil
}

// capCount counts a CAP message; the empty retained message that removes
// a cancelled alert counts as "clear"; a book of current alerts that could
// not be saved counts as msg_type "book".
func capCount(m *metrics.Metrics, msgType, result string) {
	if msgType == "" {
		msgType = "clear"
	}
	m.CAPMessages.WithLabelValues(msgType, result).Inc()
}

// initCAPMetrics creates every CAP counter at zero.
func initCAPMetrics(m *metrics.Metrics) {
	for _, t := range append(cap.MsgTypes, "clear") {
		for _, r := range []string{"published", "failed"} {
			m.CAPMessages.WithLabelValues(t, r).Add(0)
		}
	}
	m.CAPMessages.WithLabelValues("book", "failed").Add(0)
	m.Drops.WithLabelValues("cap_feed", "evicted").Add(0)
}

// reloadCAP applies a changed cap block; adding or removing one needs a
// restart.
func (d *Daemon) reloadCAP(cfg *hcl.Config) {
	switch {
	case d.cap != nil && cfg.CAP != nil:
		d.cap.SetConfig(capConfig(cfg.Site, cfg.CAP))
	case (d.cap == nil) != (cfg.CAP == nil):
		d.log.Warn("cap block added or removed: restart radiogw to apply it")
	}
}

// CAPFeed answers GET /api/v1/cap.atom (api.Backend).
func (b backend) CAPFeed() ([]byte, bool, error) {
	if b.d.cap == nil {
		return nil, false, nil
	}
	feed, err := b.d.cap.Feed(time.Now())
	return feed, true, err
}
