package avl

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// Loader rebuilds the tracker's units from a snapshot a unit at a time, so a
// large snapshot is never held in memory whole. Nothing changes in the
// tracker until Commit; a loader that is dropped (after an error) leaves the
// tracker as it was.
type Loader struct {
	t     *Tracker
	units map[string]*unitState
	n     int
}

// NewLoader starts a restore.
func (t *Tracker) NewLoader() *Loader {
	return &Loader{t: t, units: make(map[string]*unitState)}
}

// Len is the number of units added so far.
func (l *Loader) Len() int { return l.n }

// Commit replaces every unit with the loaded ones, then re-resolves them
// against the current roster (a raw-ID unit now in the roster merges into its
// call sign). Fix rejection counters are not part of a snapshot.
func (l *Loader) Commit() {
	l.t.units = l.units
	l.units = nil
	l.t.reresolve(nil, time.Time{})
}

func (l *Loader) add(s *unitState) error {
	if _, dup := l.units[s.u.ID]; dup {
		return fmt.Errorf("unit %q appears twice", s.u.ID)
	}
	l.units[s.u.ID] = s
	l.n++
	return nil
}

// AddUnitJSON adds one unit as EncodeUnits wrote it.
func (l *Loader) AddUnitJSON(line []byte) error {
	var ul unitLine
	if err := json.Unmarshal(line, &ul); err != nil {
		return fmt.Errorf("unit %d: %w", l.n, err)
	}
	s, err := l.t.restoreUnit(&ul.UnitRecord)
	if err == nil {
		err = l.t.restoreCrumbs(s, ul.Crumbs, ul.Sources)
	}
	if err != nil {
		return fmt.Errorf("unit %d (%q): %w", l.n, ul.ID, err)
	}
	return l.add(s)
}

var errCrumbs = errors.New("crumbs: not a multiple of six integers")

// restoreCrumbs undoes the delta coding of a unitLine's crumbs.
func (t *Tracker) restoreCrumbs(s *unitState, list crumbList, names []string) error {
	if len(list)%crumbFields != 0 {
		return errCrumbs
	}
	srcs := make([]uint16, len(names)+1)
	for i, n := range names {
		srcs[i+1] = t.sourceIndex(n)
	}
	var c crumb
	for i := 0; i < len(list); i += crumbFields {
		f := list[i : i+crumbFields]
		lat, lon := int64(c.lat)+f[1], int64(c.lon)+f[2]
		if lat < -90*coordScale || lat > 90*coordScale || lon < -180*coordScale || lon > 180*coordScale {
			return fmt.Errorf("breadcrumb %d: %v,%v out of range", i/crumbFields, fromE7(int32(lat)), fromE7(int32(lon)))
		}
		speed, ok1 := unpackField(f[3], math.MaxUint16-1)
		heading, ok2 := unpackField(f[4], 360*headingScale-1)
		if !ok1 || !ok2 || f[5] < 0 || f[5] >= int64(len(srcs)) {
			return fmt.Errorf("breadcrumb %d: speed %d, heading %d or source %d out of range", i/crumbFields, f[3], f[4], f[5])
		}
		c = crumb{t: c.t + f[0], lat: int32(lat), lon: int32(lon), speed: speed, heading: heading, src: srcs[f[5]]}
		s.track.push(c)
	}
	return nil
}

// unpackField reads a stored speed or heading: -1 is not reported.
func unpackField(v, max int64) (uint16, bool) {
	if v == -1 {
		return noValue, true
	}
	return uint16(v), v >= 0 && v <= max
}

// UnmarshalJSON reads a flat list of integers without reflection: crumbs are
// most of a snapshot. encoding/json has already checked the syntax.
func (l *crumbList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*l = nil
		return nil
	}
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return errors.New("crumbs: not a list")
	}
	out := (*l)[:0]
	b = b[1 : len(b)-1]
	for i := 0; i < len(b); {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
		if i == len(b) {
			break
		}
		neg := b[i] == '-'
		if neg {
			i++
		}
		start := i
		var v uint64
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if v > (math.MaxInt64-9)/10 {
				return errors.New("crumbs: integer too large")
			}
			v = v*10 + uint64(b[i]-'0')
			i++
		}
		if i == start {
			return errors.New("crumbs: not an integer")
		}
		n := int64(v)
		if neg {
			n = -n
		}
		out = append(out, n)
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
		if i < len(b) {
			if b[i] != ',' {
				return errors.New("crumbs: integers only")
			}
			i++
		}
	}
	*l = out
	return nil
}
