package avl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Capture is a copy of every unit and its breadcrumbs, cheap to take on the
// tracker goroutine (a flat copy: no per-crumb work, no strings) and encoded
// elsewhere, a unit at a time, by EncodeUnits.
type Capture struct {
	units   []capturedUnit
	sources []string // the tracker's source table; append-only, so sharing it is safe
}

type capturedUnit struct {
	u      Unit    // Position and Emergency shared: the tracker never changes them in place (Unit.Clone)
	crumbs []crumb // the ring's buffer, shared copy-on-write (ring.share)
	start  int     // index of the oldest crumb in crumbs
}

// Capture copies the state of every unit for a snapshot.
func (t *Tracker) Capture() *Capture {
	c := &Capture{units: make([]capturedUnit, 0, len(t.units)), sources: t.sources}
	for _, s := range t.units {
		cu := capturedUnit{u: s.u.Clone()}
		cu.crumbs, cu.start = s.track.share()
		c.units = append(c.units, cu)
	}
	return c
}

// Len is the number of units captured.
func (c *Capture) Len() int { return len(c.units) }

// unitLine is one unit of a streamed snapshot. Crumbs are a flat list of six
// integers each: fix time (Unix ns), latitude and longitude (1e-7 degrees),
// speed (0.1 km/h), heading (0.01 degrees), source (1-based index into
// Sources, 0 for none); time, latitude and longitude of every crumb after the
// first are deltas from the previous one. Unknown speed and heading are -1.
type unitLine struct {
	UnitRecord
	Sources []string   `json:"sources,omitempty"`
	Crumbs  crumbsJSON `json:"crumbs,omitempty"`
}

// crumbsJSON holds the crumbs list's contents, without the brackets; it is
// read by hand (restoreCrumbs) and written by hand (EncodeUnits).
type crumbsJSON []byte

// UnmarshalJSON keeps the list for restoreCrumbs.
func (c *crumbsJSON) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*c = nil
		return nil
	}
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return errors.New("crumbs: not a list")
	}
	*c = append((*c)[:0], b[1:len(b)-1]...)
	return nil
}

// crumbFields is the number of integers per crumb in a unitLine.
const crumbFields = 6

// EncodeUnits encodes the captured units in unit ID order, one JSON object
// each, and hands each to emit. The slice is reused after emit returns.
// It may run on any goroutine, while the tracker goes on.
func (c *Capture) EncodeUnits(emit func(line []byte) error) error {
	slices.SortFunc(c.units, func(a, b capturedUnit) int { return strings.Compare(a.u.ID, b.u.ID) })
	var buf []byte
	var local []uint16 // tracker source index -> 1-based index in the line's Sources
	var names []string
	var crumbs []crumb // the unit's crumbs, oldest first
	for i := range c.units {
		cu := &c.units[i]
		crumbs = append(append(crumbs[:0], cu.crumbs[cu.start:]...), cu.crumbs[:cu.start]...)
		names = names[:0]
		for j := range local {
			local[j] = 0
		}
		for j := range crumbs {
			src := crumbs[j].src
			if src == 0 || int(src) >= len(c.sources) {
				continue
			}
			if int(src) >= len(local) {
				local = append(local, make([]uint16, int(src)+1-len(local))...)
			}
			if local[src] == 0 {
				names = append(names, c.sources[src])
				local[src] = uint16(len(names))
			}
		}
		head, err := json.Marshal(unitLine{UnitRecord: record(&cu.u), Sources: names})
		if err != nil {
			return fmt.Errorf("avl: encode unit %q: %w", cu.u.ID, err)
		}
		// json.Marshal of a struct ends with '}': the crumbs go in before it,
		// written by hand (they are most of the bytes).
		buf = append(buf[:0], head[:len(head)-1]...)
		if len(crumbs) > 0 {
			buf = append(buf, `,"crumbs":[`...)
			var prev crumb
			for j := range crumbs {
				k := &crumbs[j]
				if j > 0 {
					buf = append(buf, ',')
				}
				buf = strconv.AppendInt(buf, k.t-prev.t, 10)
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, int64(k.lat)-int64(prev.lat), 10)
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, int64(k.lon)-int64(prev.lon), 10)
				buf = append(buf, ',')
				buf = appendPacked(buf, k.speed)
				buf = append(buf, ',')
				buf = appendPacked(buf, k.heading)
				buf = append(buf, ',')
				src := 0
				if int(k.src) < len(local) {
					src = int(local[k.src])
				}
				buf = strconv.AppendInt(buf, int64(src), 10)
				prev = *k
			}
			buf = append(buf, ']')
		}
		buf = append(buf, '}')
		if err := emit(buf); err != nil {
			return err
		}
	}
	return nil
}

func appendPacked(buf []byte, v uint16) []byte {
	if v == noValue {
		return append(buf, '-', '1')
	}
	return strconv.AppendUint(buf, uint64(v), 10)
}

// record is the stored form of a unit's state.
func record(u *Unit) UnitRecord {
	r := UnitRecord{
		ID: u.ID, AlphaTag: u.AlphaTag, Type: u.Type, RadioIDs: u.RadioIDs, AVLIDs: u.AVLIDs,
		Unlisted: u.Unlisted, Stale: u.Stale.String(), Motion: u.Motion.String(), Beat: u.Beat,
		Status: u.Status, StatusAt: u.StatusAt, Channel: u.Channel, Talking: u.Talking,
		LastHeard: u.LastHeard, Updated: u.Updated, Power: u.Power, PowerAt: u.PowerSince, Alias: u.Alias,
	}
	if p := u.Position; p != nil {
		r.Position = &SnapshotPosition{
			Lat: p.Lat, Lon: p.Lon, FixTime: p.FixTime, Source: p.Source,
			SpeedKmh: opt(p.SpeedKmh), Heading: opt(p.Heading), HDOP: opt(p.HDOP), Altitude: opt(p.Altitude),
			Accuracy: opt(p.Accuracy),
		}
	}
	if e := u.Emergency; e != nil {
		r.Emergency = &SnapshotEmergency{ID: e.ID, Since: e.Since, AckedBy: e.AckedBy, AckedAt: e.AckedAt}
	}
	return r
}
