package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/publish"
	"radiogw/gateway/publish/outbox"
)

// loop is the one goroutine that owns both trackers. Everything that reads or
// changes tracker state runs here, in turn: observations, timers, reloads and
// API queries (through d.calls). Nothing in the trackers locks.
func (d *Daemon) loop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var (
		buf      []item
		lastStep time.Time
		gate     = time.NewTimer(time.Hour)
		gated    bool
	)
	gate.Stop()
	run := func() {
		select { // this step takes what was notified; later pushes notify anew
		case <-d.in.notify:
		default:
		}
		buf = d.in.take(buf)
		lastStep = time.Now()
		d.step(buf, lastStep)
	}
	for {
		d.loopAlive.Store(time.Now().UnixNano())
		// While a step is gated, the inbox's notifications are not
		// listened to: the gate's step takes whatever arrives meanwhile,
		// and a wake-up per datagram would cost more than the step.
		notify := d.in.notify
		if gated {
			notify = nil
		}
		select {
		case <-ctx.Done():
			// Sources are stopped: whatever is still queued is applied
			// before the final snapshot.
			for d.in.depth() > 0 {
				buf = d.in.take(buf)
				d.step(buf, time.Now())
			}
			var b publish.Batch
			d.releaseHeldBefore(&b, time.Time{})
			d.addUnitEvents(&b)
			d.emit(b)
			d.writeSnapshot(time.Now(), true)
			return
		case <-notify:
			// Under a steady stream, gather a few milliseconds of reports
			// into one step: one outbox append (and fsync) and one publish
			// round then serve many reports. A report after a quiet spell,
			// or a full chunk, goes at once.
			if wait := stepGap - time.Since(lastStep); wait > 0 && d.in.depth() < takeChunk {
				if !gated {
					gate.Reset(wait)
					gated = true
				}
				continue
			}
			run()
		case <-gate.C:
			gated = false
			run()
		case f := <-d.calls:
			f()
		case now := <-tick.C:
			d.expire(now)
		}
	}
}

// stepGap is the shortest time between two tracker steps while reports keep
// arriving: the most a report waits to be batched with others.
const stepGap = 2 * time.Millisecond

// call runs f on the loop goroutine and waits for it.
func (d *Daemon) call(ctx context.Context, f func()) error {
	done := make(chan struct{})
	select {
	case d.calls <- func() { f(); close(done) }:
	case <-ctx.Done():
		return ctx.Err()
	}
	<-done
	return nil
}

func (d *Daemon) expire(now time.Time) {
	var b publish.Batch
	d.releaseHeldBefore(&b, now.Add(-holdFor))
	if now.Sub(d.lastPrune) >= time.Minute {
		d.dates.Prune(now)
		d.pruneAnonymous(now)
		d.lastPrune = now
	}
	b.Units = append(b.Units, d.units.Expire(now)...)
	for _, c := range d.chans.Expire(now) {
		d.addChannelChange(&b, c)
	}
	d.addUnitEvents(&b)
	d.emit(b)
	d.updateGauges()
	d.writeHealth(now)
	d.serviceStatus(now)
	if every := d.config().Storage.SnapshotEvery; every > 0 && now.Sub(d.lastSnap) >= every {
		d.writeSnapshot(now, false)
	}
}

func (d *Daemon) step(items []item, now time.Time) {
	if len(items) == 0 {
		return
	}
	var b publish.Batch
	// The changes array is reused from step to step (sinks copy what they
	// keep): a fix is usually two changes of half a kilobyte each.
	b.Units = slices.Grow(d.stepUnits[:0], 2*len(items))
	defer func() {
		clear(b.Units) // drop references to units and strings until the next step
		d.stepUnits = b.Units[:0]
	}()
	for i := range items {
		it := &items[i]
		switch {
		case it.fix != nil:
			d.obsCount[0].Inc()
			d.takeFix(&b, it.fix, now)
		case it.event != nil:
			d.obsCount[1].Inc()
			d.journalAdd(journalRec{K: "e", Ev: it.event}, now)
			for _, c := range d.chans.Apply(*it.event) {
				d.addChannelChange(&b, c)
			}
		case it.identity != nil:
			d.obsCount[2].Inc()
			d.journalAdd(journalRec{K: "i", Src: it.source, ID: it.identity}, now)
			d.bindIdentity(&b, it.source, it.identity)
		case it.clock != nil:
			d.noteTime(it.source, it.clock)
		case it.sys != nil:
			b.Events = append(b.Events, *it.sys)
		}
	}
	d.addUnitEvents(&b)
	d.journalFlush()
	d.emit(b)
}

// addChannelChange records a channel change and its effect on the unit.
func (d *Daemon) addChannelChange(b *publish.Batch, c channels.Change) {
	b.Channels = append(b.Channels, c)
	if e, ok := channelEvent(&c, d.units); ok {
		b.Events = append(b.Events, e)
	}
	b.Units = append(b.Units, unitSide(&c, d.units)...)
}

// addUnitEvents turns the batch's unit changes into display events.
func (d *Daemon) addUnitEvents(b *publish.Batch) {
	for i := range b.Units {
		if e, ok := unitEvent(&b.Units[i]); ok {
			b.Events = append(b.Events, e)
		}
	}
}

// emit hands one step's changes to every sink. A sink's Write only touches
// its outbox or memory, so a broker or InfluxDB outage never stalls this.
func (d *Daemon) emit(b publish.Batch) {
	d.journalFlush() // inputs first (a held fix released on the tick, too), then the outboxes
	if b.Len() == 0 {
		return
	}
	for _, s := range d.sinks {
		sb := b
		if s == publish.Sink(d.mqtt) {
			sb = d.mqttBatch(b)
		}
		err := s.Write(sb)
		switch {
		case errors.Is(err, outbox.ErrOverflow):
			// The batch is on disk, but older events had to go: an alarm,
			// never silent.
			d.metrics.Drops.WithLabelValues("sink_"+s.Name(), "event_overflow").Inc()
			d.logLimited("overflow_"+s.Name(), "OUTBOX FULL: oldest events dropped; the destination has been unreachable too long or the cap is too small",
				"sink", s.Name(), "err", err)
		case errors.Is(err, publish.ErrNotDurable):
			// Delivered from memory; the sink counted what is not durable
			// (radiogw_sink_not_durable_total) and radiogw_outbox_write_failing alarms.
			d.logLimited("write_"+s.Name(), "OUTBOX NOT WRITABLE: live state and events go out from memory only, a crash would lose them",
				"sink", s.Name(), "err", err)
		case err != nil:
			d.metrics.Drops.WithLabelValues("sink_"+s.Name(), "write_error").Inc()
			d.logLimited("write_"+s.Name(), "sink write failed", "sink", s.Name(), "err", err)
		}
	}
	// A raw-ID unit merged into its call sign (the roster learned its ID)
	// must not linger on the map under its old topic.
	for i := range b.Units {
		if c := &b.Units[i]; c.Kind == avl.UnitRemoved && d.mqtt != nil {
			d.mqtt.Forget(c.Unit.ID)
		}
	}
}

func (d *Daemon) updateGauges() {
	counts, noPosition := d.units.Counts()
	for l, n := range counts {
		d.metrics.Units.WithLabelValues(avl.StaleLevel(l).String()).Set(float64(n))
	}
	d.metrics.Units.WithLabelValues("no_position").Set(float64(noPosition))
	d.metrics.Emergencies.Set(float64(len(d.chans.Emergencies())))
	refused, expired := d.units.UnlistedCounts()
	for event, counts := range map[string]map[string]uint64{"refused": refused, "expired": expired} {
		for src, n := range counts {
			// Cumulative in the tracker; the counter follows.
			key := event + "\x00" + src
			if seen := d.unlistedSeen[key]; n > seen {
				d.metrics.UnlistedUnits.WithLabelValues(src, event).Add(float64(n - seen))
				d.unlistedSeen[key] = n
				if event == "refused" {
					d.unlistedRefusedLog += n - seen
				}
			}
		}
	}
	if d.unlistedRefusedLog > 0 {
		if _, ok := d.unlistedLogs.allow(); ok {
			lim := d.config().Unlisted
			d.log.Warn("units not in the roster refused: over the unlisted cap", "refused", d.unlistedRefusedLog,
				"max_per_source", lim.MaxPerSource, "max_total", lim.MaxTotal)
			d.unlistedRefusedLog = 0
		}
	}
	d.metrics.QueueDepth.WithLabelValues("inbox").Set(float64(d.in.depth()))
	for name, o := range d.outboxes {
		st := o.Stats()
		d.metrics.OutboxDepth.WithLabelValues(name).Set(float64(st.Depth))
		age := 0.0
		if !st.OldestTime.IsZero() {
			age = time.Since(st.OldestTime).Seconds()
		}
		d.metrics.OutboxAge.WithLabelValues(name).Set(age)
		failing := 0.0
		if st.WriteFailing {
			failing = 1
		}
		d.metrics.OutboxFailing.WithLabelValues(name).Set(failing)
		for reason, n := range st.Dropped {
			// Stats are cumulative since Open; the counter follows them.
			key := name + "\x00" + reason
			if seen := d.outboxDropSeen[key]; n > seen {
				d.metrics.OutboxDropped.WithLabelValues(name, reason).Add(float64(n - seen))
				d.outboxDropSeen[key] = n
			}
		}
	}
}

// resolveRadio maps a radio ID to a unit call sign; runs on the sink's
// goroutine, so it reads a copy maintained by the loop.
func (d *Daemon) resolveRadio(radioID string) string {
	if m := d.radioNames.Load(); m != nil {
		if id, ok := (*m)[radioID]; ok {
			return id
		}
	}
	return radioID
}

// serviceStatus keeps the line `systemctl status radiogw` shows current.
func (d *Daemon) serviceStatus(now time.Time) {
	if now.Sub(d.lastStatus) < 10*time.Second {
		return
	}
	d.lastStatus = now
	counts, _ := d.units.Counts()
	upCount, total := 0, 0
	d.srcMu.Lock()
	for _, rs := range d.sources {
		total++
		if up, _, _ := rs.state(); up {
			upCount++
		}
	}
	d.srcMu.Unlock()
	d.notify.Status(fmt.Sprintf("sources %d/%d up; units fresh %d, aging %d, stale %d, lost %d; emergencies %d",
		upCount, total, counts[avl.Fresh], counts[avl.Aging], counts[avl.Stale], counts[avl.Lost], len(d.chans.Emergencies())))
}
