package avl

import (
	"slices"
	"strings"
	"time"
)

// NearestQuery asks for the N units closest to a point.
type NearestQuery struct {
	Lat, Lon float64
	Status   string // only units with this status (case-insensitive), when set
	// StatusAlso lists more words that count as Status: the words of a
	// status category ("available" also takes "in_service").
	StatusAlso []string
	N          int // 0 or less: all
	Now        time.Time
}

// NearestResult is one answer of Nearest.
type NearestResult struct {
	Unit      Unit
	DistanceM float64       // great-circle distance
	FixAge    time.Duration // Now minus the fix time; 0 when Now is zero
}

func statusMatches(st string, q *NearestQuery) bool {
	if strings.EqualFold(st, q.Status) {
		return true
	}
	for _, w := range q.StatusAlso {
		if strings.EqualFold(st, w) {
			return true
		}
	}
	return false
}

// Nearest returns the units with a position closest to a point, nearest
// first (ties by unit ID).
func (t *Tracker) Nearest(q NearestQuery) []NearestResult {
	// A small N keeps a short sorted list instead of sorting every unit.
	keep := q.N
	if keep <= 0 || keep > 64 {
		keep = len(t.units)
	}
	cands := make([]nearCand, 0, min(keep, len(t.units))+1)
	for _, s := range t.units {
		p := s.u.Position
		if p == nil || (q.Status != "" && !statusMatches(s.u.Status, &q)) {
			continue
		}
		c := nearCand{s, haversineM(q.Lat, q.Lon, p.Lat, p.Lon)}
		if len(cands) == keep && !c.less(cands[len(cands)-1]) {
			continue
		}
		if keep < len(t.units) {
			// Insertion into the short list.
			i := len(cands)
			cands = append(cands, c)
			for i > 0 && c.less(cands[i-1]) {
				cands[i] = cands[i-1]
				i--
			}
			cands[i] = c
			if len(cands) > keep {
				cands = cands[:keep]
			}
			continue
		}
		cands = append(cands, c)
	}
	if keep >= len(t.units) {
		slices.SortFunc(cands, func(a, b nearCand) int {
			if a.less(b) {
				return -1
			}
			if b.less(a) {
				return 1
			}
			return 0
		})
	}
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

type nearCand struct {
	s *unitState
	d float64
}

func (a nearCand) less(b nearCand) bool {
	if a.d != b.d {
		return a.d < b.d
	}
	return a.s.u.ID < b.s.u.ID
}
