package hcl

import (
	"regexp"
	"slices"
)

// kindGroup is the named group a pattern without kind must capture.
const kindGroup = "kind"

func (b *builder) profile(r *rawProfile) {
	if !b.claim(&b.profiles, "profile", r.Name, r.DefRange) {
		return
	}
	b.d.validName("profile", r.Name, r.NameRange)
	p := Profile{Name: r.Name, System: str(r.System, ""), DefRange: toRange(r.DefRange)}
	if len(r.Patterns) == 0 {
		b.d.add(r.DefRange, "Profile without patterns", "profile %q needs at least one pattern block.", r.Name)
	}
	for _, rp := range r.Patterns {
		re, err := regexp.Compile(rp.Regex)
		if err != nil {
			b.d.add(rp.RegexRange, "Invalid regular expression", "%s.", err)
			continue
		}
		if rp.Kind == nil && re.SubexpIndex(kindGroup) < 0 {
			b.d.add(rp.DefRange, "Pattern without kind",
				"Set kind = \"ptt_start\" (or another event kind), or capture the kind in a group named (?P<kind>...).")
		}
		switch {
		case rp.Kind != nil && *rp.Kind == "":
			b.d.add(rp.KindRange, "Invalid value for kind", "kind must not be empty.")
		case rp.Kind != nil && b.opts.PatternKinds != nil && !slices.Contains(b.opts.PatternKinds, *rp.Kind):
			b.d.add(rp.KindRange, "Invalid value for kind", "%q is not one of %s.", *rp.Kind, quoteList(b.opts.PatternKinds))
		}
		p.Patterns = append(p.Patterns, Pattern{Kind: str(rp.Kind, ""), Regex: rp.Regex})
	}
	b.cfg.Profiles = append(b.cfg.Profiles, p)
}
