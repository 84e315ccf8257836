package avl

import (
	"bytes"
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
// call sign). Fix rejection counters are not part of a snapshot. A loader
// commits once.
func (l *Loader) Commit() {
	l.t.units = l.units
	l.units = nil
	l.t.reresolve(nil, time.Time{})
}

// Drop removes the loaded units for which bad returns true (a name an older
// version let through) and returns how many it removed.
func (l *Loader) Drop(bad func(id string) bool) int {
	n := 0
	for id := range l.units {
		if bad(id) {
			delete(l.units, id)
			n++
		}
	}
	l.n -= n
	return n
}

func (l *Loader) add(s *unitState) error {
	if _, dup := l.units[s.u.ID]; dup {
		return fmt.Errorf("unit %q appears twice", s.u.ID)
	}
	l.units[s.u.ID] = s
	l.n++
	return nil
}

// AddUnitJSON adds one unit as EncodeUnits wrote it. The line is not kept.
func (l *Loader) AddUnitJSON(line []byte) error {
	var ul unitLine
	// The crumbs are most of the bytes and EncodeUnits writes them last:
	// parse them by hand and leave encoding/json only the rest. Anything
	// else (a hand-edited line) goes through encoding/json whole.
	head, crumbs, split := splitCrumbs(line)
	var err error
	if split {
		err = json.Unmarshal(head, &ul)
		ul.Crumbs = crumbs
	} else {
		err = json.Unmarshal(line, &ul)
	}
	if err != nil {
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

// splitCrumbs splits `{...,"crumbs":[1,2,...]}` into `{...}` (in a copy)
// and the list's contents, if the line ends with a crumbs list.
func splitCrumbs(line []byte) (head, crumbs []byte, ok bool) {
	const key = `,"crumbs":[`
	line = bytes.TrimRight(line, " \t\r\n")
	i := bytes.LastIndex(line, []byte(key))
	if i < 0 || !bytes.HasSuffix(line, []byte("]}")) {
		return nil, nil, false
	}
	crumbs = line[i+len(key) : len(line)-2]
	for _, c := range crumbs {
		if (c < '0' || c > '9') && c != ',' && c != '-' {
			return nil, nil, false
		}
	}
	head = append(line[:i:i], '}')
	return head, crumbs, true
}

var errCrumbs = errors.New("crumbs: not a multiple of six integers")

// restoreCrumbs undoes the delta coding of a unitLine's crumbs: a
// comma-separated list of integers, six per crumb.
func (t *Tracker) restoreCrumbs(s *unitState, list []byte, names []string) error {
	list = bytes.TrimSpace(list)
	if len(list) == 0 {
		return nil
	}
	n := bytes.Count(list, []byte(",")) + 1
	if n%crumbFields != 0 {
		return errCrumbs
	}
	srcs := make([]uint16, len(names)+1)
	for i, name := range names {
		srcs[i+1] = t.sourceIndex(name)
	}
	s.track.buf = make([]crumb, 0, min(n/crumbFields, int(s.track.limit)))
	var c crumb
	var f [crumbFields]int64
	for k := 0; len(list) > 0; k++ {
		for j := range f {
			v, rest, err := nextInt(list)
			if err != nil {
				return fmt.Errorf("breadcrumb %d: %w", k, err)
			}
			f[j], list = v, rest
		}
		lat, lon := int64(c.lat)+f[1], int64(c.lon)+f[2]
		if lat < -90*coordScale || lat > 90*coordScale || lon < -180*coordScale || lon > 180*coordScale {
			return fmt.Errorf("breadcrumb %d: %v,%v out of range", k, float64(lat)/coordScale, float64(lon)/coordScale)
		}
		speed, ok1 := unpackField(f[3], math.MaxUint16-1)
		heading, ok2 := unpackField(f[4], 360*headingScale-1)
		if !ok1 || !ok2 || f[5] < 0 || f[5] >= int64(len(srcs)) {
			return fmt.Errorf("breadcrumb %d: speed %d, heading %d or source %d out of range", k, f[3], f[4], f[5])
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

// nextInt reads one integer and the comma after it, if any. JSON spacing
// is allowed around both.
func nextInt(b []byte) (int64, []byte, error) {
	b = bytes.TrimLeft(b, " \t\r\n")
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	i := 0
	var v uint64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if v > (math.MaxInt64-9)/10 {
			return 0, nil, errors.New("integer too large")
		}
		v = v*10 + uint64(b[i]-'0')
	}
	if i == 0 {
		return 0, nil, errors.New("not an integer")
	}
	n := int64(v)
	if neg {
		n = -n
	}
	b = bytes.TrimLeft(b[i:], " \t\r\n")
	if len(b) > 0 {
		if b[0] != ',' {
			return 0, nil, errors.New("integers only")
		}
		b = b[1:]
		if len(bytes.TrimSpace(b)) == 0 {
			return 0, nil, errors.New("trailing comma")
		}
	}
	return n, b, nil
}
