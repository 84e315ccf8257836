package hcl

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"

	"radiogw/gateway/topicname"
)

// duration decodes a duration attribute such as "30s" or "5m", returning def
// when the attribute is absent. Negative durations are rejected: every
// duration in the schema is an interval or a limit.
func (d *diags) duration(attr *hcl.Attribute, def time.Duration) time.Duration {
	if attr == nil {
		return def
	}
	s, ok := d.stringAttr(attr)
	if !ok {
		return def
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		d.add(attr.Expr.Range(), "Invalid duration",
			"%s = %q is not a duration; write a number with a unit, such as \"500ms\", \"30s\", \"5m\" or \"24h\".", attr.Name, s)
		return def
	}
	if v < 0 {
		d.add(attr.Expr.Range(), "Invalid duration", "%s must not be negative.", attr.Name)
		return def
	}
	return v
}

// stringAttr decodes an attribute kept as *hcl.Attribute as a string; a
// value of another type is reported.
func (d *diags) stringAttr(attr *hcl.Attribute) (string, bool) {
	var s string
	if ds := gohcl.DecodeExpression(attr.Expr, nil, &s); ds.HasErrors() {
		d.extend(ds)
		return "", false
	}
	return s, true
}

// enum checks v against the allowed values; an absent value yields def.
func (d *diags) enum(v *string, rng hcl.Range, name, def string, allowed ...string) string {
	if v == nil {
		return def
	}
	if !slices.Contains(allowed, *v) {
		d.add(rng, "Invalid value for "+name,
			"%q is not one of %s.", *v, quoteList(allowed))
		return def
	}
	return *v
}

// intEnum checks an optional number is one of allowed ("data_bits must be
// 5, 6, 7 or 8."); with no allowed values it is taken as written.
func (d *diags) intEnum(v *int, rng hcl.Range, name string, def int, allowed []int) int {
	switch {
	case v == nil:
		return def
	case allowed == nil || slices.Contains(allowed, *v):
		return *v
	}
	s := make([]string, len(allowed))
	for i, a := range allowed {
		s[i] = strconv.Itoa(a)
	}
	list := s[len(s)-1]
	if len(s) > 1 {
		list = strings.Join(s[:len(s)-1], ", ") + " or " + list
	}
	d.add(rng, "Invalid value for "+name, "%s must be %s.", name, list)
	return def
}

func quoteList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// hostPort checks a listen or dial address of the form host:port; an empty
// host means all interfaces.
func (d *diags) hostPort(v string, rng hcl.Range, name string) string {
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		d.add(rng, "Invalid address", "%s = %q must be host:port, such as \"127.0.0.1:5005\" or \"0.0.0.0:7000\".", name, v)
	}
	return v
}

// cidrs normalizes an allow list; a bare address means just that host.
func (d *diags) cidrs(vals *[]string, rng hcl.Range) []string {
	if vals == nil {
		return nil
	}
	out := make([]string, 0, len(*vals))
	for _, v := range *vals {
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked().String())
			continue
		}
		if a, err := netip.ParseAddr(v); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()).String())
			continue
		}
		d.add(rng, "Invalid CIDR in allow", "%q is neither a CIDR such as \"10.20.0.0/16\" nor an IP address.", v)
	}
	return out
}

func str(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

func boolean(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

// positive checks an optional number is > 0 and returns it or def.
func positive[T int | int64 | float64](d *diags, p *T, rng hcl.Range, name string, def T) T {
	if p == nil {
		return def
	}
	if *p <= 0 {
		d.add(rng, "Invalid value for "+name, "%s must be greater than zero.", name)
		return def
	}
	return *p
}

// nonNegative checks an optional number is >= 0.
func nonNegative[T int | int64 | float64](d *diags, p *T, rng hcl.Range, name string, def T) T {
	if p == nil {
		return def
	}
	if *p < 0 {
		d.add(rng, "Invalid value for "+name, "%s must not be negative.", name)
		return def
	}
	return *p
}

// validName rejects names that cannot be MQTT topic levels or file names.
func (d *diags) validName(kind, name string, rng hcl.Range) {
	if reason := topicname.Check(name); reason != "" {
		d.add(rng, "Invalid "+kind+" name",
			"%q cannot be used (%s): names appear in MQTT topics, so they must be 1 to %d bytes of UTF-8 with no '/', '+', '#', control or formatting characters, and no surrounding spaces.",
			name, strings.ReplaceAll(reason, "_", " "), topicname.MaxLen)
	}
}
