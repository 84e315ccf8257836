package cap

import (
	"encoding/xml"
	"time"
)

// Namespace is CAP 1.2's XML namespace.
const Namespace = "urn:oasis:names:tc:emergency:cap:1.2"

// Alert is a CAP 1.2 <alert>, in the element order the schema requires.
// Every value is marshalled by encoding/xml, which escapes markup and
// replaces characters XML cannot carry: names that came off the wire never
// become markup.
type Alert struct {
	XMLName     xml.Name `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert" json:"-"`
	Identifier  string   `xml:"identifier"`
	Sender      string   `xml:"sender"`
	Sent        Time     `xml:"sent"`
	Status      string   `xml:"status"`
	MsgType     string   `xml:"msgType"`
	Source      string   `xml:"source,omitempty"`
	Scope       string   `xml:"scope"`
	Restriction string   `xml:"restriction,omitempty"`
	Addresses   string   `xml:"addresses,omitempty"`
	Note        string   `xml:"note,omitempty"`
	References  string   `xml:"references,omitempty"`
	Incidents   string   `xml:"incidents,omitempty"`
	Info        []Info   `xml:"info"`
}

// Info is one <info> block.
type Info struct {
	Language     string   `xml:"language,omitempty"`
	Category     []string `xml:"category"`
	Event        string   `xml:"event"`
	ResponseType []string `xml:"responseType,omitempty"`
	Urgency      string   `xml:"urgency"`
	Severity     string   `xml:"severity"`
	Certainty    string   `xml:"certainty"`
	EventCode    []Value  `xml:"eventCode,omitempty"`
	Effective    *Time    `xml:"effective,omitempty"`
	Expires      *Time    `xml:"expires,omitempty"`
	SenderName   string   `xml:"senderName,omitempty"`
	Headline     string   `xml:"headline,omitempty"`
	Description  string   `xml:"description,omitempty"`
	Parameter    []Value  `xml:"parameter,omitempty"`
	Area         []Area   `xml:"area,omitempty"`
}

// Value is a valueName/value pair (eventCode, parameter, geocode).
type Value struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

// Area is an <area>: a description and, only when a site includes
// positions, a circle around the unit's last fix.
type Area struct {
	AreaDesc string   `xml:"areaDesc"`
	Circle   []string `xml:"circle,omitempty"`
}

// Time is a CAP date-time: seconds, an explicit offset, and UTC written as
// "-00:00" (CAP 1.2 §3.3.2 forbids "Z").
type Time struct{ time.Time }

// Format renders t the way CAP requires.
func (t Time) Format() string {
	return t.UTC().Format("2006-01-02T15:04:05") + "-00:00"
}

// MarshalText implements encoding.TextMarshaler.
func (t Time) MarshalText() ([]byte, error) { return []byte(t.Format()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (for the saved book).
func (t *Time) UnmarshalText(b []byte) error {
	v, err := time.Parse("2006-01-02T15:04:05-07:00", string(b))
	if err != nil {
		return err
	}
	t.Time = v.UTC()
	return nil
}

func at(t time.Time) *Time { v := Time{t.UTC().Truncate(time.Second)}; return &v }

// Document marshals a as a standalone XML document.
func (a *Alert) Document() ([]byte, error) {
	b, err := xml.MarshalIndent(a, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}
