package runtime

import (
	"net"
	"sort"
	"time"

	"radiogw/avl"
	"radiogw/gateway/api"
	"radiogw/gateway/codec"
	"radiogw/gateway/fixtime"
	"radiogw/gateway/publish"
	"radiogw/gateway/ratelog"
	"radiogw/hcl"
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

// sourceIdentities maps each source with device_id or unit to the identity
// it gives frames that carry none.
func sourceIdentities(cfg *hcl.Config) map[string]identity {
	m := map[string]identity{}
	for _, s := range cfg.Sources {
		switch {
		case s.DeviceID != "":
			m[s.Name] = identity{id: s.DeviceID, kind: avl.AVLID}
		case s.Unit != "":
			m[s.Name] = identity{id: s.Unit, kind: avl.CallSign}
		}
	}
	return m
}

// takeFix completes a fix's time and identity, then applies it, or holds it
// for one moment if its sender may be about to name itself.
func (d *Daemon) takeFix(b *publish.Batch, f *avl.Fix, now time.Time) {
	d.completeTime(f)
	if f.DeviceID != "" {
		d.applyFix(b, f)
		return
	}
	key := identKey(f.Source, f.Peer)
	// Modems often name themselves once ($PSIWMDID) and then send bare
	// fixes: attribute those to the identity announced from that sender.
	if id, ok := d.idents[key]; ok {
		f.DeviceID, f.IDKind = id.id, id.kind
	} else if id, ok := (*d.srcIDs.Load())[f.Source]; ok {
		f.DeviceID, f.IDKind = id.id, id.kind
	} else if _, plain := d.anonymous[key]; !plain && f.Peer != "" {
		// Some modems send the position first and name themselves after
		// it ($GPRMC then $GPFID): hold it until the next frame. A sender
		// that did not name itself within holdFor is taken as one that
		// never does, and its later fixes are not held.
		d.releaseHeld(b, key)
		d.held[key] = &heldFix{fix: *f, at: now}
		return
	}
	d.applyFix(b, f)
}

// bindIdentity records a sender's announced ID and gives it the fix that
// was waiting for it.
func (d *Daemon) bindIdentity(b *publish.Batch, source string, id *codec.Identity) {
	key := identKey(source, id.Peer)
	d.idents[key] = identity{id: id.DeviceID, kind: id.Kind}
	delete(d.anonymous, key)
	if h := d.held[key]; h != nil {
		delete(d.held, key)
		h.fix.DeviceID, h.fix.IDKind = id.DeviceID, id.Kind
		d.applyFix(b, &h.fix)
	}
}

// releaseHeld applies a held fix under its sender's address.
func (d *Daemon) releaseHeld(b *publish.Batch, key string) {
	if h := d.held[key]; h != nil {
		delete(d.held, key)
		d.applyFix(b, &h.fix)
	}
}

// releaseHeldBefore applies every fix held since before cutoff (all of
// them for a zero cutoff), in key order so the outcome is reproducible, and
// remembers those senders as ones that do not name themselves.
func (d *Daemon) releaseHeldBefore(b *publish.Batch, cutoff time.Time) {
	if len(d.held) == 0 {
		return
	}
	keys := make([]string, 0, len(d.held))
	for k, h := range d.held {
		if cutoff.IsZero() || h.at.Before(cutoff) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		d.anonymous[k] = d.held[k].at
		d.releaseHeld(b, k)
	}
}

// anonymousMemory is how long a sender that never named itself stays known
// as such; after it, its next bare fix is held once more.
const anonymousMemory = 10 * time.Minute

// pruneAnonymous forgets senders not heard of for anonymousMemory.
func (d *Daemon) pruneAnonymous(now time.Time) {
	for k, at := range d.anonymous {
		if now.Sub(at) > anonymousMemory {
			delete(d.anonymous, k)
		}
	}
}

// completeTime dates a time-of-day-only fix from its device's latest dated
// sentence (or the receive date) and undoes a GPS week rollover.
func (d *Daemon) completeTime(f *avl.Fix) {
	noDate := f.NoDate
	out := d.dates.Resolve(fixtime.Key{Source: f.Source, Sender: peerHost(f.Peer), Device: f.DeviceID}, f)
	switch {
	case out.Rollover:
		d.metrics.FixCorrected.WithLabelValues(f.Source, "gps_week_rollover").Inc()
		if out.FirstRollover {
			d.log.Warn("GPS week rollover: the device dates its fixes 1024 weeks (or a multiple) in the past; correcting them",
				"source", f.Source, "peer", f.Peer, "device", f.DeviceID, "corrected_time", f.Time)
		}
	case noDate && out.FromDevice:
		d.metrics.FixCorrected.WithLabelValues(f.Source, "date_from_device").Inc()
	case noDate:
		d.metrics.FixCorrected.WithLabelValues(f.Source, "date_from_receive").Inc()
	}
	f.NoDate = false
}

// noteTime records a dated time a device sent without a position ($GPZDA).
func (d *Daemon) noteTime(source string, t *codec.DeviceTime) {
	at := t.Time
	rolled, first := d.dates.Dated(fixtime.Key{Source: source, Sender: peerHost(t.Peer), Device: t.DeviceID}, &at, t.Received)
	if rolled && first {
		d.log.Warn("GPS week rollover: the device dates its clock 1024 weeks (or a multiple) in the past; correcting its fixes",
			"source", source, "peer", t.Peer, "device", t.DeviceID, "corrected_time", at)
	}
}

func (d *Daemon) applyFix(b *publish.Batch, f *avl.Fix) {
	if f.DeviceID == "" {
		f.Peer = peerHost(f.Peer)
	}
	roundFix(f)
	d.journalFixAdd(f, f.Received) // complete (time, identity, rounding): replayed as is
	for _, c := range d.units.ApplyFix(*f) {
		switch {
		case c.Kind == avl.FixRejected:
			d.countRejection(&c)
		case c.Kind == avl.FixAccepted && !c.Live && c.Reason != "":
			d.metrics.FixLate.WithLabelValues(c.Fix.Source, c.Reason).Inc()
		}
		b.Units = append(b.Units, c)
	}
}

// rejectKey names one source's count of one rejection reason.
type rejectKey struct{ source, reason string }

// countRejection counts a rejected fix by source and reason and logs the
// first of each, then at most one a minute with the count in between.
func (d *Daemon) countRejection(c *avl.Change) {
	src := c.Fix.Source
	d.metrics.FixRejections.WithLabelValues(src, c.Reason).Inc()
	k := rejectKey{src, c.Reason}
	d.rejected[k]++
	lim := d.rejectLogs[k]
	if lim == nil {
		lim = ratelog.New(time.Minute)
		d.rejectLogs[k] = lim
	}
	if n, ok := lim.Allow(); ok {
		dev := c.Fix.DeviceID
		if dev == "" {
			dev = c.Fix.Peer
		}
		d.log.Warn("fix rejected", "source", src, "reason", c.Reason, "device", dev, "unit", c.Unit.ID,
			"fix_time", c.Fix.Time, "received", c.Fix.Received, "lat", c.Fix.Lat, "lon", c.Fix.Lon,
			"suppressed", n, "total", d.rejected[k])
	}
}

func (d *Daemon) topRejections(n int) []api.RejectionCount {
	out := make([]api.RejectionCount, 0, len(d.rejected))
	for k, v := range d.rejected {
		out = append(out, api.RejectionCount{Source: k.source, Reason: k.reason, Count: v})
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

// zeroFixCounters makes every fix counter of a source exist at zero, so an
// alert rule can tell "none" from "not measured".
func (d *Daemon) zeroFixCounters(source string) {
	for _, r := range avl.RejectReasons {
		d.metrics.FixRejections.WithLabelValues(source, r).Add(0)
	}
	for _, r := range avl.LateReasons {
		d.metrics.FixLate.WithLabelValues(source, r).Add(0)
	}
	for _, k := range correctionKinds {
		d.metrics.FixCorrected.WithLabelValues(source, k).Add(0)
	}
}
