package pipeline

import (
	"context"
	"slices"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
)

// loop is the one goroutine that owns both trackers. Everything that reads or
// changes tracker state runs here, in turn: observations, timers, reloads and
// API queries (through p.calls). Nothing in the trackers locks.
func (p *Pipeline) loop(ctx context.Context, done chan<- struct{}) {
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
		case <-p.in.notify:
		default:
		}
		buf = p.in.take(buf)
		lastStep = time.Now()
		p.step(buf, lastStep)
	}
	for {
		p.loopAlive.Store(time.Now().UnixNano())
		// While a step is gated, the inbox's notifications are not
		// listened to: the gate's step takes whatever arrives meanwhile,
		// and a wake-up per datagram would cost more than the step.
		notify := p.in.notify
		if gated {
			notify = nil
		}
		select {
		case <-ctx.Done():
			// Sources are stopped: whatever is still queued is applied
			// before the final snapshot.
			for p.in.depth() > 0 {
				buf = p.in.take(buf)
				p.step(buf, time.Now())
			}
			var b change.Batch
			p.releaseHeldBefore(&b, time.Time{})
			p.addUnitEvents(&b)
			p.emit(b)
			p.writeSnapshot(time.Now(), true)
			return
		case <-notify:
			// Under a steady stream, gather a few milliseconds of reports
			// into one step: one outbox append (and fsync) and one publish
			// round then serve many reports. A report after a quiet spell,
			// or a full chunk, goes at once.
			if wait := stepGap - time.Since(lastStep); wait > 0 && p.in.depth() < takeChunk {
				gate.Reset(wait) // not gated: notify is nil while it is
				gated = true
				continue
			}
			run()
		case <-gate.C:
			gated = false
			run()
		case f := <-p.calls:
			f()
		case now := <-tick.C:
			p.expire(now)
		}
	}
}

// stepGap is the shortest time between two tracker steps while reports keep
// arriving: the most a report waits to be batched with others.
const stepGap = 2 * time.Millisecond

// call runs f on the loop goroutine and waits for it.
func (p *Pipeline) call(ctx context.Context, f func()) error {
	done := make(chan struct{})
	select {
	case p.calls <- func() { f(); close(done) }:
	case <-ctx.Done():
		return ctx.Err()
	}
	<-done
	return nil
}

func (p *Pipeline) expire(now time.Time) {
	var b change.Batch
	p.releaseHeldBefore(&b, now.Add(-holdFor))
	if now.Sub(p.lastPrune) >= time.Minute {
		p.dates.Prune(now)
		p.pruneAnonymous(now)
		p.lastPrune = now
	}
	b.Units = append(b.Units, p.units.Expire(now)...)
	for _, c := range p.chans.Expire(now) {
		p.addChannelChange(&b, c)
	}
	p.addUnitEvents(&b)
	p.emit(b)
	p.updateGauges()
	if p.opts.Tick != nil {
		p.opts.Tick(now)
	}
	if every := p.settings().SnapshotEvery; every > 0 && now.Sub(p.lastSnap) >= every {
		p.writeSnapshot(now, false)
	}
}

func (p *Pipeline) step(items []item, now time.Time) {
	if len(items) == 0 {
		return
	}
	var b change.Batch
	// The changes array is reused from step to step (sinks copy what they
	// keep): a fix is usually two changes of half a kilobyte each.
	b.Units = slices.Grow(p.stepUnits[:0], 2*len(items))
	defer func() {
		clear(b.Units) // drop references to units and strings until the next step
		p.stepUnits = b.Units[:0]
	}()
	for i := range items {
		it := &items[i]
		switch {
		case it.fix != nil:
			p.obsCount[0].Inc()
			p.takeFix(&b, it.fix, now)
		case it.event != nil:
			p.obsCount[1].Inc()
			p.journalAdd(journalRec{K: "e", Ev: it.event}, now)
			for _, c := range p.chans.Apply(*it.event) {
				p.addChannelChange(&b, c)
			}
		case it.identity != nil:
			p.obsCount[2].Inc()
			p.journalAdd(journalRec{K: "i", Src: it.source, ID: it.identity}, now)
			p.bindIdentity(&b, it.source, it.identity)
		case it.clock != nil:
			p.noteTime(it.source, it.clock)
		case it.sys != nil:
			b.Events = append(b.Events, *it.sys)
		}
	}
	p.addUnitEvents(&b)
	p.journalFlush()
	p.emit(b)
}

// addChannelChange records a channel change and its effect on the unit.
func (p *Pipeline) addChannelChange(b *change.Batch, c channels.Change) {
	b.Channels = append(b.Channels, c)
	if e, ok := channelEvent(&c, p.units); ok {
		b.Events = append(b.Events, e)
	}
	b.Units = append(b.Units, unitSide(&c, p.units)...)
}

// addUnitEvents turns the batch's unit changes into display events.
func (p *Pipeline) addUnitEvents(b *change.Batch) {
	for i := range b.Units {
		if e, ok := unitEvent(&b.Units[i]); ok {
			b.Events = append(b.Events, e)
		}
	}
}

// emit hands one step's changes to the sinks (Options.Output), after the
// step's inputs are on the journal.
func (p *Pipeline) emit(b change.Batch) {
	p.journalFlush() // inputs first (a held fix released on the tick, too), then the outboxes
	if b.Len() == 0 {
		return
	}
	p.opts.Output(b)
}

func (p *Pipeline) updateGauges() {
	counts, noPosition := p.units.Counts()
	for l, n := range counts {
		p.metrics.Units.WithLabelValues(avl.StaleLevel(l).String()).Set(float64(n))
	}
	p.metrics.Units.WithLabelValues("no_position").Set(float64(noPosition))
	p.metrics.Emergencies.Set(float64(len(p.chans.Emergencies())))
	refused, expired := p.units.UnlistedCounts()
	for event, counts := range map[string]map[string]uint64{"refused": refused, "expired": expired} {
		for src, n := range counts {
			// Cumulative in the tracker; the counter follows.
			key := event + "\x00" + src
			if seen := p.unlistedSeen[key]; n > seen {
				p.metrics.UnlistedUnits.WithLabelValues(src, event).Add(float64(n - seen))
				p.unlistedSeen[key] = n
				if event == "refused" {
					p.unlistedRefusedLog += n - seen
				}
			}
		}
	}
	if p.unlistedRefusedLog > 0 {
		if _, ok := p.unlistedLogs.Allow(); ok {
			set := p.settings()
			p.log.Warn("units not in the roster refused: over the unlisted cap", "refused", p.unlistedRefusedLog,
				"max_per_source", set.UnlistedPerSource, "max_total", set.UnlistedTotal)
			p.unlistedRefusedLog = 0
		}
	}
	p.metrics.QueueDepth.WithLabelValues("inbox").Set(float64(p.in.depth()))
}
