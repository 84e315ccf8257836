package hcl

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

var (
	channelModes = []string{"fm", "am", "p25", "dmr", "nxdn"}
	signallings  = []string{"none", "mdc1200", "star", "fleetsync", "dtmf", "p25", "dmr"}
	fenceKinds   = []string{"beat", "boundary", "zone"}
)

// Channel defaults.
const (
	DefaultHangTime = 2 * time.Second
	DefaultStuckMic = 60 * time.Second
)

// defaultUnitType is the tracking policy of units without a type, and the
// base every configured unit_type starts from.
func defaultUnitType() UnitType {
	return UnitType{
		Name:         DefaultUnitType,
		Aging:        60 * time.Second,
		Stale:        5 * time.Minute,
		Lost:         30 * time.Minute,
		MaxSpeedKmh:  250,
		MovingKmh:    5,
		StoppedKmh:   2,
		MaxFixAge:    24 * time.Hour,
		MaxFuture:    2 * time.Minute,
		LRRPInterval: 30 * time.Second,
	}
}

func (b *builder) unitType(r *rawUnitType) {
	if !b.claim(&b.unitTypes, "unit_type", r.Name, r.DefRange) {
		return
	}
	b.d.validName("unit_type", r.Name, r.NameRange)
	def := defaultUnitType()
	t := UnitType{
		Name:         r.Name,
		Aging:        b.d.duration(r.Aging, def.Aging),
		Stale:        b.d.duration(r.Stale, def.Stale),
		Lost:         b.d.duration(r.Lost, def.Lost),
		MaxSpeedKmh:  positive(b.d, r.MaxSpeedKmh, r.MaxSpeedKmhRange, "max_speed_kmh", def.MaxSpeedKmh),
		MaxAccuracyM: nonNegative(b.d, r.MaxAccuracyM, r.MaxAccuracyMRange, "max_accuracy_m", 0),
		MaxFixAge:    b.d.duration(r.MaxFixAge, def.MaxFixAge),
		MaxFuture:    b.d.duration(r.MaxFuture, def.MaxFuture),
		MovingKmh:    nonNegative(b.d, r.MovingKmh, r.MovingKmhRange, "moving_kmh", def.MovingKmh),
		StoppedKmh:   nonNegative(b.d, r.StoppedKmh, r.StoppedKmhRange, "stopped_kmh", def.StoppedKmh),
		LRRPInterval: b.d.duration(r.LRRPInterval, def.LRRPInterval),
		DefRange:     toRange(r.DefRange),
	}
	if !(t.Aging < t.Stale && t.Stale < t.Lost) {
		b.d.add(r.DefRange, "Inconsistent stale ladder",
			"unit_type %q needs aging < stale < lost; got %s, %s, %s.", r.Name, t.Aging, t.Stale, t.Lost)
	}
	if t.StoppedKmh > t.MovingKmh {
		b.d.add(r.StoppedKmhRange, "Inconsistent motion thresholds",
			"stopped_kmh (%g) must not exceed moving_kmh (%g).", t.StoppedKmh, t.MovingKmh)
	}
	b.cfg.UnitTypes = append(b.cfg.UnitTypes, t)
}

func (b *builder) statusTable(r *rawStatusTable) {
	if !b.claim(&b.statusTabs, "status_table", r.Name, r.DefRange) {
		return
	}
	b.d.validName("status_table", r.Name, r.NameRange)
	for code, word := range r.Codes {
		if code == "" || word == "" {
			b.d.add(r.CodesRange, "Invalid status code", "status_table %q has an empty code or word.", r.Name)
			break
		}
	}
	st := StatusTable{Name: r.Name, Codes: map[string]string{}, Categories: map[string]string{}, DefRange: toRange(r.DefRange)}
	switch {
	case r.Preset != nil:
		presets := StatusPresets()
		p, ok := presets[*r.Preset]
		if !ok {
			b.d.add(r.PresetRng, "Unknown status preset", "status_table %q: preset %q does not exist; the presets are: %s.",
				r.Name, *r.Preset, strings.Join(slices.Sorted(maps.Keys(presets)), ", "))
		}
		maps.Copy(st.Codes, p.Codes)
		maps.Copy(st.Categories, p.Categories)
	case r.Codes == nil:
		b.d.add(r.DefRange, "Missing codes", "status_table %q needs codes, a preset, or both (the table's codes then override the preset's).", r.Name)
	}
	maps.Copy(st.Codes, r.Codes)
	for word, cat := range r.Categories {
		if !slices.Contains(StatusCategories, cat) {
			b.d.add(r.CatRange, "Invalid status category", "status_table %q: word %q has category %q; the categories are: %s.",
				r.Name, word, cat, strings.Join(StatusCategories, ", "))
			break
		}
		st.Categories[word] = cat
	}
	b.cfg.StatusTabs = append(b.cfg.StatusTabs, st)
	b.statusRanges = append(b.statusRanges, r.DefRange)
}

func (b *builder) channel(r *rawChannel) {
	if !b.claim(&b.channels, "channel", r.Name, r.DefRange) {
		return
	}
	b.d.validName("channel", r.Name, r.NameRange)
	from := "channel " + quote(r.Name)
	c := Channel{
		Name:        r.Name,
		AlphaTag:    str(r.AlphaTag, r.Name),
		Freq:        nonNegative(b.d, r.Freq, r.FreqRange, "freq", 0),
		Talkgroup:   nonNegative(b.d, r.Talkgroup, r.TalkgroupRange, "talkgroup", 0),
		System:      str(r.System, ""),
		Mode:        b.d.enum(r.Mode, r.ModeRange, "mode", "fm", channelModes...),
		Signalling:  b.d.enum(r.Signalling, r.SignallingRange, "signalling", "none", signallings...),
		StatusTable: str(r.StatusTable, ""),
		HangTime:    b.d.duration(r.HangTime, DefaultHangTime),
		StuckMic:    b.d.duration(r.StuckMic, DefaultStuckMic),
		DefRange:    toRange(r.DefRange),
	}
	if r.StatusTable != nil {
		b.use("status_table", *r.StatusTable, r.StatusTableRange, from)
	}
	if r.System != nil {
		b.d.validName("system", c.System, r.SystemRange)
		if c.Talkgroup == 0 {
			b.d.add(r.SystemRange, "System without talkgroup",
				"channel %q names a system but no talkgroup: system says which trunked system a talkgroup number belongs to.", r.Name)
		}
	}
	b.cfg.Channels = append(b.cfg.Channels, c)
	b.tgRanges = append(b.tgRanges, tgRange{talkgroup: r.TalkgroupRange, system: r.SystemRange, def: r.DefRange})
}

// tgRange is where one channel's talkgroup and system were written.
type tgRange struct{ talkgroup, system, def hcl.Range }

// checkTalkgroups refuses two channels for the same talkgroup on the same
// system, and, once any channel names a system, a talkgroup channel that
// names none: talkgroup 100 on two systems is two groups, so a channel
// without a system would take both.
func (b *builder) checkTalkgroups() {
	type key struct {
		sys string
		tg  int64
	}
	seen := map[key]int{}
	named := -1
	for i, c := range b.cfg.Channels {
		if c.Talkgroup > 0 && c.System != "" && named < 0 {
			named = i
		}
	}
	for i, c := range b.cfg.Channels {
		if c.Talkgroup <= 0 {
			continue
		}
		rng := b.tgRanges[i]
		if named >= 0 && c.System == "" {
			n := b.cfg.Channels[named]
			b.d.add(rng.talkgroup, "Talkgroup without system",
				"channel %q has talkgroup %d but no system, while channel %q (%s) names system %q: once one talkgroup channel names its system, every one must (talkgroup %d on two systems is two different groups). Add system = \"...\" (trunk-recorder's shortName).",
				c.Name, c.Talkgroup, n.Name, b.d.where(b.tgRanges[named].system), n.System, c.Talkgroup)
			continue
		}
		k := key{c.System, c.Talkgroup}
		if j, ok := seen[k]; ok {
			on := ""
			if c.System != "" {
				on = " on system " + quote(c.System)
			}
			b.d.add(rng.talkgroup, "Duplicate talkgroup",
				"channel %q and channel %q (%s) both carry talkgroup %d%s: events could go to only one of them.",
				c.Name, b.cfg.Channels[j].Name, b.d.where(b.tgRanges[j].talkgroup), c.Talkgroup, on)
			continue
		}
		seen[k] = i
	}
}

func (b *builder) unit(r *rawUnit) {
	if !b.claim(&b.units, "unit", r.CallSign, r.DefRange) {
		return
	}
	b.d.validName("unit", r.CallSign, r.NameRange)
	from := "unit " + quote(r.CallSign)
	u := Unit{
		CallSign: r.CallSign,
		AlphaTag: str(r.AlphaTag, r.CallSign),
		Type:     str(r.Type, DefaultUnitType),
		DefRange: toRange(r.DefRange),
	}
	if r.Type != nil {
		b.use("unit_type", *r.Type, r.TypeRange, from)
	}
	if r.RadioIDs != nil {
		u.RadioIDs = b.claimIDs(&b.radioIDs, "radio ID", *r.RadioIDs, r.RadioRange, r.CallSign)
	}
	if r.AVLIDs != nil {
		u.AVLIDs = b.claimIDs(&b.avlIDs, "AVL ID", *r.AVLIDs, r.AVLRange, r.CallSign)
	}
	b.cfg.Units = append(b.cfg.Units, u)
}

// claimIDs gives each ID to one unit; a second claim is an error at the
// second unit that names the first.
func (b *builder) claimIDs(set *ids, kind string, list []string, rng hcl.Range, unit string) []string {
	if *set == nil {
		*set = ids{}
	}
	out := make([]string, 0, len(list))
	for _, id := range list {
		if id == "" {
			b.d.add(rng, "Invalid "+kind, "unit %q has an empty %s.", unit, kind)
			continue
		}
		if first, ok := (*set)[id]; ok {
			if first.unit == unit {
				b.d.add(rng, "Duplicate "+kind+" "+quote(id), "unit %q lists %s %q twice.", unit, kind, id)
			} else {
				b.d.add(rng, "Duplicate "+kind+" "+quote(id),
					"%s %q is already claimed by unit %q at %s; one radio or modem can belong to one unit only.",
					kind, id, first.unit, b.d.where(first.rng))
			}
			continue
		}
		(*set)[id] = idClaim{unit: unit, rng: rng}
		out = append(out, id)
	}
	return out
}

// maxGeoJSON bounds geofence files read at load time.
const maxGeoJSON = 64 << 20

func (b *builder) geofence(r *rawGeofence) {
	if !b.claim(&b.geofences, "geofence", r.Name, r.DefRange) {
		return
	}
	b.d.validName("geofence", r.Name, r.NameRange)
	g := Geofence{
		Name:         r.Name,
		File:         b.relPath(r.File, r.FileRange),
		Kind:         b.d.enum(r.Kind, r.KindRange, "kind", "zone", fenceKinds...),
		NameProperty: str(r.NameProperty, "name"),
		DefRange:     toRange(r.DefRange),
	}
	if err := checkGeoJSON(g.File, g.NameProperty); err != nil {
		b.d.add(r.FileRange, "Bad geofence file", "geofence %q: file %q %s.", r.Name, r.File, err)
	}
	b.cfg.Geofences = append(b.cfg.Geofences, g)
}

// checkGeoJSON makes sure the file is a FeatureCollection of polygons whose
// features carry the name property, so a typo fails at check time rather
// than leaving a beat unnamed on the wall map.
func checkGeoJSON(path, nameProp string) error {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("does not exist")
		}
		if os.IsPermission(err) {
			return fmt.Errorf("cannot be read: permission denied")
		}
		return fmt.Errorf("cannot be opened")
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("is not a regular file")
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Properties map[string]any `json:"properties"`
			Geometry   *struct {
				Type string `json:"type"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.NewDecoder(io.LimitReader(f, maxGeoJSON)).Decode(&fc); err != nil {
		return fmt.Errorf("is not valid GeoJSON: %v", err)
	}
	if fc.Type != "FeatureCollection" {
		return fmt.Errorf("is not a GeoJSON FeatureCollection")
	}
	for i, ft := range fc.Features {
		if ft.Geometry == nil || (ft.Geometry.Type != "Polygon" && ft.Geometry.Type != "MultiPolygon") {
			return fmt.Errorf("feature %d is not a Polygon or MultiPolygon", i)
		}
		if _, ok := ft.Properties[nameProp].(string); !ok {
			return fmt.Errorf("feature %d has no string property %q (name_property)", i, nameProp)
		}
	}
	return nil
}

func keys(m names) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sortedUnique(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return slices.Compact(s)
}
