package hcl

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// CAP configures CAP 1.2 alerts for critical incidents (docs/cap.md):
// emergencies always, and the event kinds a site lists as critical.
type CAP struct {
	Sender           string
	SenderName       string
	IdentifierPrefix string
	Status           string
	Scope            string
	Restriction      string
	Addresses        string
	Language         string
	Category         string
	CriticalEvents   []string
	StatusCodes      []string
	Geofences        []string // fence names (a geofence file's name_property); required with geofence_* kinds
	Fields           []string
	IncludePosition  bool
	PositionRadiusM  float64
	Expires          time.Duration
	FeedKeep         time.Duration
}

// CAP vocabulary checked here; gateway/cap holds the same lists (a test
// keeps them equal).
var (
	CAPCriticalEvents = []string{"stuck_mic", "geofence_enter", "geofence_exit", "status", "radio_off"}
	CAPFields         = []string{"unit", "radio_id", "channel", "status", "fence", "by", "source"}
	capStatuses       = []string{"Actual", "Exercise", "System", "Test", "Draft"}
	capScopes         = []string{"Restricted", "Public", "Private"}
	capCategories     = []string{"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env",
		"Transport", "Infra", "CBRNE", "Other"}
	// capToken is CAP's rule for sender and identifier: no spaces, commas
	// or restricted characters ('<', '&').
	capToken    = regexp.MustCompile(`^[^\s,<&]+$`)
	capLanguage = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)
)

// Defaults of the cap block.
const (
	DefaultCAPExpires         = time.Hour
	DefaultCAPFeedKeep        = time.Hour
	DefaultCAPPositionRadiusM = 100
)

type rawCAP struct {
	Sender           string         `hcl:"sender"`
	SenderRange      hcl.Range      `hcl:"sender,attr_range"`
	SenderName       *string        `hcl:"sender_name,optional"`
	IdentifierPrefix *string        `hcl:"identifier_prefix,optional"`
	PrefixRange      hcl.Range      `hcl:"identifier_prefix,attr_range"`
	Status           *string        `hcl:"status,optional"`
	StatusRange      hcl.Range      `hcl:"status,attr_range"`
	Scope            *string        `hcl:"scope,optional"`
	ScopeRange       hcl.Range      `hcl:"scope,attr_range"`
	Restriction      *string        `hcl:"restriction,optional"`
	Addresses        *string        `hcl:"addresses,optional"`
	Language         *string        `hcl:"language,optional"`
	LanguageRange    hcl.Range      `hcl:"language,attr_range"`
	Category         *string        `hcl:"category,optional"`
	CategoryRange    hcl.Range      `hcl:"category,attr_range"`
	CriticalEvents   *[]string      `hcl:"critical_events,optional"`
	CriticalRange    hcl.Range      `hcl:"critical_events,attr_range"`
	StatusCodes      *[]string      `hcl:"status_codes,optional"`
	StatusCodesRange hcl.Range      `hcl:"status_codes,attr_range"`
	Geofences        *[]string      `hcl:"geofences,optional"`
	Fields           *[]string      `hcl:"fields,optional"`
	FieldsRange      hcl.Range      `hcl:"fields,attr_range"`
	IncludePosition  *bool          `hcl:"include_position,optional"`
	PositionRadiusM  *float64       `hcl:"position_radius_m,optional"`
	RadiusRange      hcl.Range      `hcl:"position_radius_m,attr_range"`
	Expires          *hcl.Attribute `hcl:"expires,optional"`
	FeedKeep         *hcl.Attribute `hcl:"feed_keep,optional"`
	DefRange         hcl.Range      `hcl:",def_range"`
}

func (b *builder) buildCAP(r *rawCAP) {
	if r == nil {
		return
	}
	c := &CAP{
		Sender:           r.Sender,
		SenderName:       str(r.SenderName, ""),
		IdentifierPrefix: str(r.IdentifierPrefix, r.Sender),
		Status:           b.d.enum(r.Status, r.StatusRange, "status", "Actual", capStatuses...),
		Scope:            b.d.enum(r.Scope, r.ScopeRange, "scope", "Restricted", capScopes...),
		Restriction:      str(r.Restriction, ""),
		Addresses:        str(r.Addresses, ""),
		Language:         str(r.Language, "en-US"),
		Category:         b.d.enum(r.Category, r.CategoryRange, "category", "Security", capCategories...),
		Fields:           []string{"unit", "channel"},
		IncludePosition:  boolean(r.IncludePosition, false),
		PositionRadiusM:  positive(b.d, r.PositionRadiusM, r.RadiusRange, "position_radius_m", DefaultCAPPositionRadiusM),
		Expires:          b.d.duration(r.Expires, DefaultCAPExpires),
		FeedKeep:         b.d.duration(r.FeedKeep, DefaultCAPFeedKeep),
	}
	if !capToken.MatchString(c.Sender) {
		b.d.add(r.SenderRange, "Invalid CAP sender",
			"sender = %q must be non-empty with no spaces, commas, '<' or '&' (CAP 1.2 §3.2.1), such as \"dispatch@tustin.example.org\".", c.Sender)
	}
	if !capToken.MatchString(c.IdentifierPrefix) {
		b.d.add(r.PrefixRange, "Invalid CAP identifier_prefix",
			"identifier_prefix = %q must have no spaces, commas, '<' or '&'.", c.IdentifierPrefix)
	}
	if !capLanguage.MatchString(c.Language) {
		b.d.add(r.LanguageRange, "Invalid CAP language", "language = %q must be an RFC 3066 tag such as \"en-US\".", c.Language)
	}
	if c.Scope == "Private" && strings.TrimSpace(c.Addresses) == "" {
		b.d.add(r.ScopeRange, "CAP scope Private needs addresses",
			"scope = \"Private\" sends to named recipients: set addresses = \"...\".")
	}
	if r.CriticalEvents != nil {
		for _, k := range *r.CriticalEvents {
			if !slices.Contains(CAPCriticalEvents, k) {
				b.d.add(r.CriticalRange, "Unknown critical event kind",
					"%q is not one of %s. Emergencies are always critical.", k, quoteList(CAPCriticalEvents))
			}
		}
		c.CriticalEvents = *r.CriticalEvents
	}
	if r.StatusCodes != nil {
		c.StatusCodes = *r.StatusCodes
	}
	if slices.Contains(c.CriticalEvents, "status") && len(c.StatusCodes) == 0 {
		b.d.add(r.CriticalRange, "Critical status needs status_codes",
			"critical_events lists \"status\": name the status codes or words that are critical in status_codes = [...], or every routine status would become a public alert.")
	}
	if r.Geofences != nil {
		c.Geofences = *r.Geofences
	}
	if (slices.Contains(c.CriticalEvents, "geofence_enter") || slices.Contains(c.CriticalEvents, "geofence_exit")) &&
		len(c.Geofences) == 0 {
		b.d.add(r.CriticalRange, "Critical geofence events need geofences",
			"critical_events lists a geofence kind: name the fences that are critical in geofences = [...], or every beat crossing would become an alert.")
	}
	if r.Fields != nil {
		for _, f := range *r.Fields {
			if !slices.Contains(CAPFields, f) {
				b.d.add(r.FieldsRange, "Unknown CAP field", "%q is not one of %s.", f, quoteList(CAPFields))
			}
		}
		c.Fields = *r.Fields
	}
	b.cfg.CAP = c
}
