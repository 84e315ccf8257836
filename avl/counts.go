package avl

// Counts returns how many units with a position stand on each stale level,
// and how many have no position yet. It copies nothing, so the runtime can
// call it every second for its gauges even with 100,000 units.
func (t *Tracker) Counts() (byStale [Lost + 1]int, noPosition int) {
	for _, s := range t.units {
		if s.u.Position == nil {
			noPosition++
			continue
		}
		if s.u.Stale <= Lost {
			byStale[s.u.Stale]++
		}
	}
	return byStale, noPosition
}
