package hcl

import (
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// builder converts decoded raw structs into a Config, collecting problems in
// d. References are checked after every file is converted, so a fragment may
// refer to something defined in a later fragment.
type builder struct {
	d    *diags
	cfg  *Config
	opts Options
	refs []ref

	sources, channels, units, unitTypes, geofences, statusTabs, profiles names
	radioIDs, avlIDs                                                     ids
	statusRanges                                                         []hcl.Range // per b.cfg.StatusTabs entry
	tgRanges                                                             []tgRange   // per b.cfg.Channels entry
}

// names remembers where each name was first defined.
type names map[string]hcl.Range

// ids remembers which unit first listed each radio or AVL ID, and where.
type ids map[string]idClaim

type idClaim struct {
	unit string
	rng  hcl.Range
}

// ref is a name used somewhere that must be defined elsewhere.
type ref struct {
	kind string // "channel", "unit_type", ...
	name string
	rng  hcl.Range
	from string // `source "console1"`, for the message
}

func (b *builder) build(root *rawMain, frags []rawFragment) {
	b.cfg.Site = root.Site
	b.d.validName("site", root.Site, root.SiteRange)
	b.buildBreadcrumbs(root.Breadcrumbs, root.BreadcrumbsRange)
	b.buildLog(root.Log)
	b.buildStorage(root.Storage)
	b.buildUnlisted(root.Unlisted)
	b.buildHTTP(root.HTTP)
	b.buildMQTT(root.MQTT)
	b.buildBroker(root.Broker)
	b.buildInflux(root.Influx)
	b.buildWallMap(root.WallMap)
	b.buildHA(root.HA)
	b.buildCAP(root.CAP)
	for _, f := range frags {
		for i := range f.UnitTypes {
			b.unitType(&f.UnitTypes[i])
		}
		for i := range f.StatusTables {
			b.statusTable(&f.StatusTables[i])
		}
		for i := range f.Profiles {
			b.profile(&f.Profiles[i])
		}
		for i := range f.Geofences {
			b.geofence(&f.Geofences[i])
		}
		for i := range f.Channels {
			b.channel(&f.Channels[i])
		}
		for i := range f.Units {
			b.unit(&f.Units[i])
		}
		for i := range f.Sources {
			b.source(&f.Sources[i])
		}
	}
	if _, ok := b.unitTypes[DefaultUnitType]; !ok {
		b.cfg.UnitTypes = append(b.cfg.UnitTypes, defaultUnitType())
	}
	b.checkRefs()
	b.checkTalkgroups()
	b.checkStatusCategories()
}

// checkStatusCategories refuses a status word that two tables colour
// differently: the wall map sees only the word.
func (b *builder) checkStatusCategories() {
	type claim struct{ cat, table string }
	seen := map[string]claim{}
	for i, t := range b.cfg.StatusTabs {
		for _, word := range slices.Sorted(maps.Keys(t.Categories)) {
			cat := t.Categories[word]
			if c, ok := seen[word]; ok && c.cat != cat {
				b.d.add(b.statusRanges[i], "Conflicting status category",
					"status word %q is %q in status_table %q but %q in status_table %q: the wall map colours by the word, so give it one category.",
					word, cat, t.Name, c.cat, c.table)
				continue
			}
			seen[word] = claim{cat, t.Name}
		}
	}
}

// claim records a definition; a second definition of the same name is an
// error at the second place naming the first.
func (b *builder) claim(set *names, kind, name string, rng hcl.Range) bool {
	if *set == nil {
		*set = names{}
	}
	if first, ok := (*set)[name]; ok {
		b.d.add(rng, "Duplicate "+kind+" "+quote(name),
			"first defined at %s; %s names must be unique across %s and %s/*.hcl.",
			b.d.where(first), kind, MainFile, FragmentDir)
		return false
	}
	(*set)[name] = rng
	return true
}

func (b *builder) use(kind, name string, rng hcl.Range, from string) {
	b.refs = append(b.refs, ref{kind: kind, name: name, rng: rng, from: from})
}

func (b *builder) checkRefs() {
	builtinProfiles := map[string]bool{}
	for _, p := range b.opts.Profiles {
		builtinProfiles[p] = true
	}
	for _, r := range b.refs {
		var ok bool
		var known []string
		switch r.kind {
		case "channel":
			_, ok = b.channels[r.name]
			known = keys(b.channels)
		case "unit_type":
			_, ok = b.unitTypes[r.name]
			ok = ok || r.name == DefaultUnitType
			known = keys(b.unitTypes)
		case "status_table":
			_, ok = b.statusTabs[r.name]
			known = keys(b.statusTabs)
		case "unit":
			_, ok = b.units[r.name]
			known = keys(b.units)
		case "profile":
			_, ok = b.profiles[r.name]
			ok = ok || builtinProfiles[r.name]
			known = append(keys(b.profiles), b.opts.Profiles...)
		}
		if ok {
			continue
		}
		detail := r.from + " refers to " + r.kind + " " + quote(r.name) + ", which is not defined."
		if len(known) > 0 {
			detail += " Defined: " + strings.Join(sortedUnique(known), ", ") + "."
		}
		b.d.add(r.rng, "Unknown "+strings.ReplaceAll(r.kind, "_", " ")+" "+quote(r.name), "%s", detail)
	}
}
