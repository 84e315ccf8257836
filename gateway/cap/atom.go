package cap

import (
	"crypto/sha1"
	"encoding/xml"
	"fmt"
	"sort"
	"time"
)

// FeedPath is where the runtime serves the feed; the feed names itself
// with it (rel="self").
const FeedPath = "/api/v1/cap.atom"

// An Atom feed (RFC 4287) of the current alerts: one entry per incident,
// carrying its newest CAP message inline (content type
// application/cap+xml), so a poller sees an Update or Cancel replace the
// Alert under the same entry ID.
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Author    atomPerson  `xml:"author"`
	Link      atomLink    `xml:"link"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published"`
	Category  atomTerm    `xml:"category"`
	Summary   string      `xml:"summary"`
	Content   atomContent `xml:"content"`
}

type atomTerm struct {
	Term string `xml:"term,attr"`
}

type atomContent struct {
	Type  string `xml:"type,attr"`
	Alert *Alert
}

// Feed renders the Atom feed of the alerts current at now: active
// emergencies, emergencies cancelled within FeedKeep, and one-shot alerts
// not yet expired.
func (p *Publisher) Feed(now time.Time) ([]byte, error) {
	p.mu.Lock()
	cfg := p.cfg
	var list []*incident
	for _, in := range p.incidents {
		if in.Active || now.Before(in.Until) {
			c := *in
			list = append(list, &c)
		}
	}
	p.mu.Unlock()
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i].Latest.Sent.Time, list[j].Latest.Sent.Time
		if !a.Equal(b) {
			return a.After(b)
		}
		return list[i].Key < list[j].Key
	})
	name := cfg.SenderName
	if name == "" {
		name = cfg.Sender
	}
	f := atomFeed{ID: urnUUID(cfg.Sender, "feed"), Title: name + " CAP alerts", Author: atomPerson{Name: name},
		Link: atomLink{Rel: "self", Type: "application/atom+xml", Href: FeedPath}, Generator: "radiogw"}
	updated := time.Time{}
	for _, in := range list {
		a := in.Latest
		sent := a.Sent.Time.UTC()
		if sent.After(updated) {
			updated = sent
		}
		first := sent
		if len(in.Sent) > 0 {
			first = in.Sent[0].Sent.UTC()
		}
		title := a.Identifier
		if len(a.Info) > 0 && a.Info[0].Headline != "" {
			title = a.Info[0].Headline
		}
		f.Entries = append(f.Entries, atomEntry{ID: urnUUID(cfg.Sender, in.Key), Title: title,
			Updated: sent.Format(time.RFC3339), Published: first.Format(time.RFC3339),
			Category: atomTerm{Term: a.MsgType}, Summary: a.MsgType + ": " + title,
			Content: atomContent{Type: "application/cap+xml", Alert: &a}})
	}
	if updated.IsZero() {
		updated = now.UTC().Truncate(time.Second)
	}
	f.Updated = updated.Format(time.RFC3339)
	b, err := xml.MarshalIndent(&f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("cap feed: %w", err)
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

// urnUUID is a name-based (SHA-1, RFC 4122 version 5 layout) UUID URN: an
// Atom ID that stays the same for the same sender and incident.
func urnUUID(parts ...string) string {
	h := sha1.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
