// Package cap turns radiogw's emergencies, and the events a site marks as
// critical, into CAP 1.2 (OASIS Common Alerting Protocol) alert messages for
// community-alert notifiers: an Alert when it starts, an Update when a
// dispatcher acknowledges it, a Cancel when it is cleared. It keeps the
// set of current alerts for the Atom feed, and saves it so a restart does
// not lose the references an Update or Cancel must carry.
//
// Only the fields a site lists go out, and a unit's position only when the
// site includes it (docs/cap.md).
package cap

import (
	"slices"
	"time"
)

// Fields a site may publish. Emergencies always carry their kind; every
// other value is left out unless listed.
const (
	FieldUnit    = "unit"     // the unit's call sign
	FieldRadioID = "radio_id" // the radio's over-the-air ID
	FieldChannel = "channel"  // the channel the event was heard on
	FieldStatus  = "status"   // the status word and code
	FieldFence   = "fence"    // the geofence entered or left
	FieldBy      = "by"       // who acknowledged or cleared
	FieldSource  = "source"   // the radiogw source that heard it
)

// Fields lists every field name, for validation.
var Fields = []string{FieldUnit, FieldRadioID, FieldChannel, FieldStatus, FieldFence, FieldBy, FieldSource}

// CriticalKinds are the event kinds a site may mark critical besides
// emergencies, which always are.
var CriticalKinds = []string{"stuck_mic", "geofence_enter", "geofence_exit", "status", "radio_off"}

// Config is a site's cap block.
type Config struct {
	Site             string
	Sender           string // CAP <sender>: no spaces, commas, '<' or '&'
	SenderName       string
	IdentifierPrefix string // default: Sender
	Status           string // Actual (default), Exercise, System, Test, Draft
	Scope            string // Restricted (default), Public, Private
	Restriction      string // for Restricted
	Addresses        string // for Private
	Language         string // default en-US
	Category         string // default Security
	CriticalEvents   []string
	StatusCodes      []string // critical status codes or words, for "status"
	Geofences        []string // critical fences for geofence_*
	Fields           []string // default: unit, channel
	IncludePosition  bool
	PositionRadiusM  float64       // the circle around a unit's last fix; default 100
	Expires          time.Duration // one-shot alerts (every kind but emergencies); default 1h
	FeedKeep         time.Duration // cancelled emergencies stay in the feed; default 1h
}

// Defaults.
const (
	DefaultStatus          = "Actual"
	DefaultScope           = "Restricted"
	DefaultRestriction     = "For dispatch partners only"
	DefaultLanguage        = "en-US"
	DefaultCategory        = "Security"
	DefaultPositionRadiusM = 100
	DefaultExpires         = time.Hour
	DefaultFeedKeep        = time.Hour
)

// DefaultFields is what goes out when a site lists none.
var DefaultFields = []string{FieldUnit, FieldChannel}

func (c Config) withDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.IdentifierPrefix, c.Sender)
	def(&c.Status, DefaultStatus)
	def(&c.Scope, DefaultScope)
	def(&c.Language, DefaultLanguage)
	def(&c.Category, DefaultCategory)
	if c.Scope == "Restricted" {
		def(&c.Restriction, DefaultRestriction)
	}
	if c.Fields == nil {
		c.Fields = DefaultFields
	}
	if c.PositionRadiusM <= 0 {
		c.PositionRadiusM = DefaultPositionRadiusM
	}
	if c.Expires <= 0 {
		c.Expires = DefaultExpires
	}
	if c.FeedKeep <= 0 {
		c.FeedKeep = DefaultFeedKeep
	}
	return c
}

func (c *Config) has(field string) bool { return slices.Contains(c.Fields, field) }
