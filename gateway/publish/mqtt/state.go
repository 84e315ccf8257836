package mqtt

import (
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/avl"
	"radiogw/channels"
)

// MaxMapBytes is the largest map payload the sink publishes; it stays under
// the embedded broker's packet limit (broker.MaxPacketBytes, 16 MiB).
const MaxMapBytes = 15 << 20

type pending struct {
	token    paho.Token
	size     int       // payload bytes, for the in-flight window
	sent     time.Time // the ack is due within WaitBudget of this
	kind     string    // unit, owntracks, forget, channel, map: the metrics label
	unit     string
	channel  string
	received time.Time
	barrier  chan struct{} // not a publish: closed when the completer reaches it
	announce bool          // an OwnTracks card or discovery document: sent again if it fails
}

// publishState publishes dirty state; force ignores the per-unit rate ceiling
// (used on shutdown so the broker keeps the latest state). What is due is
// taken under the lock; encoding and publishing happen outside it, so Write
// (the tracker goroutine) never waits on JSON or on the network. It does not
// wait for acks: the completer settles them (acks.go). Each message goes out
// as soon as it is encoded: the first unit of a large round does not wait
// for the last one's JSON.
func (s *Sink) publishState(now time.Time, force bool) {
	s.mu.Lock()
	units := s.dueUnits(now, force)
	forget := s.dueForgets()
	chans := s.dueChannels()
	mapUnits := s.dueMap(now, force)
	s.mu.Unlock()

	for i := range units {
		s.publishUnit(&units[i], now)
	}
	for _, id := range forget {
		s.publishForget(id)
	}
	for i := range chans {
		s.publishChannel(&chans[i])
	}
	if mapUnits != nil {
		// The units' states queued so far first: they need not wait for
		// the map's JSON (6 ms at 10,000 units, 3.7 MB) nor its write.
		s.flushState()
		s.publishMap(mapUnits, now)
	}
	s.flushState()
	clear(units) // drop the copies' references until the next round
	s.due = units[:0]
	if cap(units) > maxKeptDue {
		// A republish of the whole fleet (after a reconnect or a restart)
		// is one round; keeping its list would hold a unit copy per unit
		// (35 MB at 100,000 units) for rounds that need a few dozen.
		s.due = nil
	}
}

// dueUnits takes the dirty units whose unit_rate gap has passed (all with
// force, and emergency changes at once). Called with s.mu held.
func (s *Sink) dueUnits(now time.Time, force bool) []dueUnit {
	minGap := time.Duration(float64(time.Second) / s.opts.UnitRate)
	units := s.due[:0] // reused: a round of 10,000 units no longer regrows it
	s.release(now, minGap, force)
	if n := len(s.dirtyUnits); cap(units) < n {
		// One allocation of the round's size: grown by doubling, a round of
		// thousands copied every unit state several times over (8 % of
		// radiogw's CPU at 50,000 reports a second).
		units = make([]dueUnit, 0, n)
	}
	for id, slot := range s.dirtyUnits {
		delete(s.dirtyUnits, id)
		if !force && !slot.urgent && now.Sub(slot.lastPub) < minGap {
			if !slot.gated {
				s.hold(id, slot) // stays dirty: published when its gap has passed
			}
			continue
		}
		if s.fence.unitBehind(id, slot.unit.Updated) {
			// The broker retains a newer state (a previous process's, or
			// another instance's): ours would roll the wall back.
			slot.dirty, slot.urgent, slot.gated = false, false, false
			s.behind("unit")
			continue
		}
		units = append(units, dueUnit{slot.unit, slot.topic, slot.received, !slot.announced})
		slot.dirty, slot.urgent, slot.gated, slot.lastPub = false, false, false, now
		slot.announced = true
	}
	return units
}

// dueForgets takes the forgotten units whose deletes are not in flight.
// Called with s.mu held.
func (s *Sink) dueForgets() []string {
	var forget []string
	for id := range s.forgotten {
		if s.forgetting[id] == nil { // not while a delete is in flight
			forget = append(forget, id)
			s.forgetting[id] = &forgetState{n: len(s.forgetTopics(id))}
		}
	}
	return forget
}

// dueChannels takes the dirty channels. Called with s.mu held.
func (s *Sink) dueChannels() []channels.ChannelState {
	var chans []channels.ChannelState
	for name, slot := range s.channels {
		if slot.dirty {
			slot.dirty = false
			if s.fence.channelBehind(name, slot.state.Since) {
				s.behind("channel")
				continue
			}
			chans = append(chans, slot.state)
		}
	}
	return chans
}

// dueMap takes a copy of every unit when the map is due, else nil. Called
// with s.mu held.
func (s *Sink) dueMap(now time.Time, force bool) []*avl.Unit {
	if !s.mapDirty || !force && now.Sub(s.lastMap) < mapInterval(s.opts.MapEvery, len(s.units)) {
		return nil
	}
	if s.mapRefusedAt > 0 && len(s.units) >= s.mapRefusedAt {
		// As many units as the last map that was too large, or more: it
		// would be refused again, after a copy of every unit and 15 MiB of
		// JSON (at 100,000 units 46 MB of garbage and a pause of the
		// publish loop, every map interval). Counted, not logged again.
		s.mapDirty, s.lastMap = false, now
		s.fail("map_too_large")
		return nil
	}
	s.mapRefusedAt = 0
	// One copy of every unit in one block, not one allocation per unit.
	held := make([]avl.Unit, 0, len(s.units))
	for _, slot := range s.units {
		held = append(held, slot.unit)
	}
	mapUnits := make([]*avl.Unit, len(held))
	for i := range held {
		mapUnits[i] = &held[i]
	}
	s.mapDirty, s.lastMap = false, now
	return mapUnits
}

// behind counts a state not published because the broker retains a newer one.
func (s *Sink) behind(kind string) {
	s.metric(MetricDropped, "reason", "older_than_retained_"+kind, 1)
}

// maxKeptDue is the largest due list kept from one round to the next.
const maxKeptDue = 4096

// dueUnit is a unit state taken for publishing.
type dueUnit struct {
	unit     avl.Unit
	topic    string
	received time.Time
	announce bool // publish its card and discovery document too
}

// forgetState tracks the deletes of one forgotten unit's retained topics.
type forgetState struct {
	n     int  // deletes in flight
	again bool // one failed, or the unit was forgotten anew meanwhile: delete again
}

// settle records a state publish's outcome: a failed one is marked dirty
// again so a later round sends the latest state.
func (s *Sink) settle(p pending, ok bool) {
	if !ok {
		s.fail("state")
		s.redirty(p)
		return
	}
	if p.kind == "forget" {
		s.mu.Lock()
		if f := s.forgetting[p.unit]; f != nil {
			if f.n--; f.n <= 0 {
				delete(s.forgetting, p.unit)
				if !f.again && s.units[p.unit] == nil {
					delete(s.forgotten, p.unit) // confirmed, and not added back meanwhile
				}
			}
		}
		s.mu.Unlock()
		return
	}
	if p.kind == "unit" && !p.received.IsZero() {
		s.metric(MetricLatency, "", "", time.Since(p.received).Seconds())
	}
	s.metric(MetricPublished, "kind", p.kind, 1)
}

// redirty marks a failed publish's subject dirty again. It never restores
// the failed payload: the slot holds the newest state, which is what the
// next round sends.
func (s *Sink) redirty(p pending) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.kind == "forget" { // forgotten stays set: the next round deletes again
		if f := s.forgetting[p.unit]; f != nil {
			f.again = true
			if f.n--; f.n <= 0 {
				delete(s.forgetting, p.unit)
			}
		}
	}
	switch {
	case p.unit != "":
		if slot := s.units[p.unit]; slot != nil {
			slot.dirty = true
			if p.announce {
				slot.announced = false
			}
			s.dirtyUnits[p.unit] = slot
		}
	case p.channel != "":
		if slot := s.channels[p.channel]; slot != nil {
			slot.dirty = true
		}
	default:
		s.mapDirty = true
	}
}

// mapUnitsPerSecond is how many units' worth of map the sink publishes per
// second at most. The map is re-sent whole (about 370 bytes a unit): at
// 10,000 units once a second it was 3.7 MB/s, and while the broker swallowed
// each one every unit state behind it waited (p99 36 ms against 10 ms
// without it). Displays that need every move follow units/+.
const mapUnitsPerSecond = 1000

// mapInterval is the time between map publishes: every, or longer for a
// fleet of more than mapUnitsPerSecond units (10 s at 10,000 units).
func mapInterval(every time.Duration, units int) time.Duration {
	return max(every, time.Duration(units/mapUnitsPerSecond)*time.Second)
}
