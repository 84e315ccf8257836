package avl

import (
	"sort"
	"strings"
	"time"
)

// NearestQuery asks for the N units closest to a point.
type NearestQuery struct {
	Lat, Lon float64
	Status   string // only units with this status (case-insensitive), when set
	N        int    // 0 or less: all
	Now      time.Time
}

// NearestResult is one answer of Nearest.
type NearestResult struct {
	Unit      Unit
	DistanceM float64       // great-circle distance
	FixAge    time.Duration // Now minus the fix time; 0 when Now is zero
}

// Nearest returns the units with a position closest to a point, nearest
// first (ties by unit ID).
func (t *Tracker) Nearest(q NearestQuery) []NearestResult {
	type cand struct {
		s *unitState
		d float64
	}
	cands := make([]cand, 0, len(t.units))
	for _, s := range t.units {
		p := s.u.Position
		if p == nil || (q.Status != "" && !strings.EqualFold(s.u.Status, q.Status)) {
			continue
		}
		cands = append(cands, cand{s, haversineM(q.Lat, q.Lon, p.Lat, p.Lon)})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].d != cands[j].d {
			return cands[i].d < cands[j].d
		}
		return cands[i].s.u.ID < cands[j].s.u.ID
	})
	if q.N > 0 && len(cands) > q.N {
		cands = cands[:q.N]
	}
	out := make([]NearestResult, len(cands))
	for i, c := range cands {
		out[i] = NearestResult{Unit: c.s.u.Clone(), DistanceM: c.d}
		if !q.Now.IsZero() {
			out[i].FixAge = q.Now.Sub(c.s.u.Position.FixTime)
		}
	}
	return out
}
