package mqtt

import (
	"container/heap"
	"time"
)

// gate holds dirty units that must wait for their unit_rate gap, ordered by
// when they were last published (the gap is the same for every unit, so that
// is also the order they become due). Without it every round scanned every
// waiting unit: at 10,000 units reporting 5 times a second against
// unit_rate = 2, 500 rounds a second walked 10,000 units each.
//
// Entries are never removed early: one whose unit was published since (its
// lastPub moved), forgotten, or released is stale and is dropped when it
// reaches the front.
type gate []gateEntry

type gateEntry struct {
	id      string
	slot    *unitSlot
	lastPub time.Time
}

func (g gate) Len() int           { return len(g) }
func (g gate) Less(i, j int) bool { return g[i].lastPub.Before(g[j].lastPub) }
func (g gate) Swap(i, j int)      { g[i], g[j] = g[j], g[i] }
func (g *gate) Push(x any)        { *g = append(*g, x.(gateEntry)) }
func (g *gate) Pop() any {
	old := *g
	e := old[len(old)-1]
	old[len(old)-1] = gateEntry{}
	*g = old[:len(old)-1]
	return e
}

// hold parks a dirty unit until its gap has passed. Called with s.mu held.
func (s *Sink) hold(id string, slot *unitSlot) {
	slot.gated = true
	heap.Push(&s.gate, gateEntry{id: id, slot: slot, lastPub: slot.lastPub})
}

// release moves every parked unit whose gap has passed (all of them if
// force) back to the dirty set. Called with s.mu held.
func (s *Sink) release(now time.Time, minGap time.Duration, force bool) {
	for len(s.gate) > 0 {
		e := s.gate[0]
		live := e.slot.gated && e.slot.lastPub.Equal(e.lastPub) && s.units[e.id] == e.slot
		if live && !force && now.Sub(e.lastPub) < minGap {
			return
		}
		heap.Pop(&s.gate)
		if !live {
			continue
		}
		e.slot.gated = false
		if e.slot.dirty {
			s.dirtyUnits[e.id] = e.slot
		}
	}
}
