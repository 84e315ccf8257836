package pipeline

import (
	"net"
	"sort"
	"time"

	"radiogw/avl"
	"radiogw/gateway/change"
	"radiogw/gateway/decode"
	"radiogw/gateway/fixtime"
	"radiogw/gateway/metrics"
	"radiogw/gateway/ratelog"
)

// Fix intake on the loop goroutine: complete the fix time, find the device,
// apply, count and log what the filter decided.

// Time-correction kinds counted in radiogw_fix_time_corrections_total.
var correctionKinds = []string{"gps_week_rollover", "date_from_device", "date_from_receive"}

// holdFor is how long a fix from a sender that has not named itself waits
// for an identity sentence ($GPFID after the $GPRMC) before it is applied
// under the sender's address.
const holdFor = time.Second

// heldFix is a fix waiting for its sender to name itself.
type heldFix struct {
	fix avl.Fix
	at  time.Time
}

// peerHost is the sender address without its port: a modem whose NAT or
// stack picks a new source port is still the same device.
func peerHost(peer string) string {
	if peer == "" || peer[len(peer)-1] == ']' {
		return peer // a serial port; a bare IPv6 address
	}
	if host, _, err := net.SplitHostPort(peer); err == nil {
		return host
	}
	return peer
}

// identKey names one sender of one source.
func identKey(source, peer string) string { return source + "\x00" + peerHost(peer) }

// takeFix completes a fix's time and identity, then applies it, or holds it
// for one moment if its sender may be about to name itself.
func (p *Pipeline) takeFix(b *change.Batch, f *avl.Fix, now time.Time) {
	p.completeTime(f)
	if f.DeviceID != "" {
		p.applyFix(b, f)
		return
	}
	key := identKey(f.Source, f.Peer)
	// Modems often name themselves once ($PSIWMDID) and then send bare
	// fixes: attribute those to the identity announced from that sender.
	if id, ok := p.idents[key]; ok {
		f.DeviceID, f.IDKind = id.id, id.kind
	} else if id, ok := p.settings().SourceIDs[f.Source]; ok {
		f.DeviceID, f.IDKind = id.ID, id.Kind
	} else if _, plain := p.anonymous[key]; !plain && f.Peer != "" {
		// Some modems send the position first and name themselves after
		// it ($GPRMC then $GPFID): hold it until the next frame. A sender
		// that did not name itself within holdFor is taken as one that
		// never does, and its later fixes are not held.
		p.releaseHeld(b, key)
		p.held[key] = &heldFix{fix: *f, at: now}
		return
	}
	p.applyFix(b, f)
}

// bindIdentity records a sender's announced ID and gives it the fix that
// was waiting for it.
func (p *Pipeline) bindIdentity(b *change.Batch, source string, id *decode.Identity) {
	key := identKey(source, id.Peer)
	p.idents[key] = identity{id: id.DeviceID, kind: id.Kind}
	delete(p.anonymous, key)
	if h := p.held[key]; h != nil {
		delete(p.held, key)
		h.fix.DeviceID, h.fix.IDKind = id.DeviceID, id.Kind
		p.applyFix(b, &h.fix)
	}
}

// releaseHeld applies a held fix under its sender's address.
func (p *Pipeline) releaseHeld(b *change.Batch, key string) {
	if h := p.held[key]; h != nil {
		delete(p.held, key)
		p.applyFix(b, &h.fix)
	}
}

// releaseHeldBefore applies every fix held since before cutoff (all of
// them for a zero cutoff), in key order so the outcome is reproducible, and
// remembers those senders as ones that do not name themselves.
func (p *Pipeline) releaseHeldBefore(b *change.Batch, cutoff time.Time) {
	if len(p.held) == 0 {
		return
	}
	keys := make([]string, 0, len(p.held))
	for k, h := range p.held {
		if cutoff.IsZero() || h.at.Before(cutoff) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.anonymous[k] = p.held[k].at
		p.releaseHeld(b, k)
	}
}

// anonymousMemory is how long a sender that never named itself stays known
// as such; after it, its next bare fix is held once more.
const anonymousMemory = 10 * time.Minute

// pruneAnonymous forgets senders not heard of for anonymousMemory.
func (p *Pipeline) pruneAnonymous(now time.Time) {
	for k, at := range p.anonymous {
		if now.Sub(at) > anonymousMemory {
			delete(p.anonymous, k)
		}
	}
}

// completeTime dates a time-of-day-only fix from its device's latest dated
// sentence (or the receive date) and undoes a GPS week rollover.
func (p *Pipeline) completeTime(f *avl.Fix) {
	noDate := f.NoDate
	out := p.dates.Resolve(fixtime.Key{Source: f.Source, Sender: peerHost(f.Peer), Device: f.DeviceID}, f)
	switch {
	case out.Rollover:
		p.metrics.FixCorrected.WithLabelValues(f.Source, "gps_week_rollover").Inc()
		if out.FirstRollover {
			p.log.Warn("GPS week rollover: the device dates its fixes 1024 weeks (or a multiple) in the past; correcting them",
				"source", f.Source, "peer", f.Peer, "device", f.DeviceID, "corrected_time", f.Time)
		}
	case noDate && out.FromDevice:
		p.metrics.FixCorrected.WithLabelValues(f.Source, "date_from_device").Inc()
	case noDate:
		p.metrics.FixCorrected.WithLabelValues(f.Source, "date_from_receive").Inc()
	}
	f.NoDate = false
}

// noteTime records a dated time a device sent without a position ($GPZDA).
func (p *Pipeline) noteTime(source string, t *decode.DeviceTime) {
	at := t.Time
	rolled, first := p.dates.Dated(fixtime.Key{Source: source, Sender: peerHost(t.Peer), Device: t.DeviceID}, &at, t.Received)
	if rolled && first {
		p.log.Warn("GPS week rollover: the device dates its clock 1024 weeks (or a multiple) in the past; correcting its fixes",
			"source", source, "peer", t.Peer, "device", t.DeviceID, "corrected_time", at)
	}
}

func (p *Pipeline) applyFix(b *change.Batch, f *avl.Fix) {
	if f.DeviceID == "" {
		f.Peer = peerHost(f.Peer)
	}
	roundFix(f)
	p.journalFixAdd(f, f.Received) // complete (time, identity, rounding): replayed as is
	start := len(b.Units)
	b.Units = p.units.AppendFix(b.Units, *f)
	for i := start; i < len(b.Units); i++ {
		switch c := &b.Units[i]; {
		case c.Kind == avl.FixRejected:
			p.countRejection(c)
		case c.Kind == avl.FixAccepted && !c.Live && c.Reason != "":
			p.metrics.FixLate.WithLabelValues(c.Fix.Source, c.Reason).Inc()
		}
	}
}

// rejectKey names one source's count of one rejection reason.
type rejectKey struct{ source, reason string }

// countRejection counts a rejected fix by source and reason and logs the
// first of each, then at most one a minute with the count in between.
func (p *Pipeline) countRejection(c *avl.Change) {
	src := c.Fix.Source
	p.metrics.FixRejections.WithLabelValues(src, c.Reason).Inc()
	k := rejectKey{src, c.Reason}
	p.rejected[k]++
	lim := p.rejectLogs[k]
	if lim == nil {
		lim = ratelog.New(time.Minute)
		p.rejectLogs[k] = lim
	}
	if n, ok := lim.Allow(); ok {
		dev := c.Fix.DeviceID
		if dev == "" {
			dev = c.Fix.Peer
		}
		p.log.Warn("fix rejected", "source", src, "reason", c.Reason, "device", dev, "unit", c.Unit.ID,
			"fix_time", c.Fix.Time, "received", c.Fix.Received, "lat", c.Fix.Lat, "lon", c.Fix.Lon,
			"suppressed", n, "total", p.rejected[k])
	}
}

// RejectionCount is one line of the status page's top rejection reasons.
type RejectionCount struct {
	Source string
	Reason string
	Count  uint64
}

// TopRejections are the n most frequent (source, reason) pairs of rejected
// fixes, most frequent first (tracker goroutine only).
func (p *Pipeline) TopRejections(n int) []RejectionCount {
	out := make([]RejectionCount, 0, len(p.rejected))
	for k, v := range p.rejected {
		out = append(out, RejectionCount{Source: k.source, Reason: k.reason, Count: v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].Reason < out[j].Reason
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// ZeroFixCounters makes every fix counter of a source exist at zero, so an
// alert rule can tell "none" from "not measured".
func ZeroFixCounters(m *metrics.Metrics, source string) {
	for _, r := range avl.RejectReasons {
		m.FixRejections.WithLabelValues(source, r).Add(0)
	}
	for _, r := range avl.LateReasons {
		m.FixLate.WithLabelValues(source, r).Add(0)
	}
	for _, k := range correctionKinds {
		m.FixCorrected.WithLabelValues(source, k).Add(0)
	}
}
