package cap

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"radiogw/gateway/change"
)

// Message types.
const (
	MsgAlert  = "Alert"
	MsgUpdate = "Update"
	MsgCancel = "Cancel"
)

// MsgTypes lists the message types radiogw sends, for metric labels.
var MsgTypes = []string{MsgAlert, MsgUpdate, MsgCancel}

// Message is one thing to publish on <root>/cap/<ID>.
type Message struct {
	ID      string // the incident: "e-" (emergency) or "a-" (one-shot alert) and 16 hex digits
	MsgType string // Alert, Update, Cancel; "" for the empty message that deletes a retained alert
	Doc     []byte // the CAP document; nil deletes the retained one
	Retain  bool
}

// Options configure a Publisher.
type Options struct {
	// Path is where the book of current alerts is saved ("" keeps it in
	// memory only).
	Path   string
	Logger *slog.Logger
	// OnFailed is called when an alert could not be built or the book not
	// saved (msgType "book").
	OnFailed func(msgType string)
	// OnEvicted is called with the number of one-shot alerts that left the
	// feed early because of MaxOneShot.
	OnEvicted func(n int)
}

// Publisher builds CAP messages from display events and keeps the
// incidents they belong to. Safe for concurrent use: the tracker goroutine
// feeds it, HTTP handlers read the feed.
type Publisher struct {
	opts Options

	secret []byte // for incident keys

	mu        sync.Mutex
	cfg       Config
	incidents map[string]*incident
}

// incident is one emergency or one critical event, and the messages sent
// about it so far.
type incident struct {
	Key    string    `json:"key"`
	Kind   string    `json:"kind"`
	Sent   []sentRef `json:"sent"`   // every message sent, oldest first
	Latest Alert     `json:"latest"` // the newest message, for the feed
	Active bool      `json:"active"` // an emergency not yet cleared
	Until  time.Time `json:"until"`  // inactive: when it leaves the feed
}

type sentRef struct {
	Identifier string    `json:"identifier"`
	Sent       time.Time `json:"sent"`
}

// New builds a Publisher and loads the saved book, if any.
func New(cfg Config, opts Options) (*Publisher, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	p := &Publisher{opts: opts, cfg: cfg.withDefaults(), incidents: map[string]*incident{}}
	if opts.Path == "" {
		p.secret = make([]byte, 32)
		rand.Read(p.secret)
		return p, nil
	}
	secret, err := loadSecret(opts.Path + ".key")
	if err != nil {
		return nil, fmt.Errorf("cap key: %w", err)
	}
	p.secret = secret
	b, err := os.ReadFile(opts.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return p, nil
	case err != nil:
		return nil, fmt.Errorf("cap book: %w", err)
	}
	var saved []*incident
	if err := json.Unmarshal(b, &saved); err != nil {
		// A damaged book costs references, never alerts: start empty.
		p.opts.Logger.Error("cap book unreadable, starting empty", "path", opts.Path, "err", err)
		p.failed("book")
		return p, nil
	}
	for _, in := range saved {
		p.incidents[in.Key] = in
	}
	return p, nil
}

// SetConfig takes a reloaded cap block; incidents already open keep going.
func (p *Publisher) SetConfig(cfg Config) {
	p.mu.Lock()
	p.cfg = cfg.withDefaults()
	p.mu.Unlock()
}

func (p *Publisher) failed(msgType string) {
	if p.opts.OnFailed != nil {
		p.opts.OnFailed(msgType)
	}
}

// Messages turns a batch of display events into CAP messages, in order.
// Events that are not critical give none.
func (p *Publisher) Messages(events []change.Event, now time.Time) []Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Message
	save := false
	for i := range events {
		msgs := p.apply(&events[i], now)
		if len(msgs) > 0 && p.incidents[msgs[0].ID].Kind == "emergency" {
			save = true
		}
		out = append(out, msgs...)
	}
	if p.prune(now) {
		save = true
	}
	if save {
		p.save()
	}
	return out
}

func (p *Publisher) apply(e *change.Event, now time.Time) []Message {
	cfg := &p.cfg
	switch e.Kind {
	case "emergency":
		key := p.key("e-", e.Emergency)
		in := p.incidents[key]
		if in != nil && !in.Active {
			return nil // cleared already: the tracker never raises a cleared ID again, so this is a re-delivery
		}
		if in == nil {
			in = &incident{Key: key, Kind: e.Kind, Active: true}
			p.incidents[key] = in
			return p.send(in, MsgAlert, "", e, nil)
		}
		// An acknowledged emergency heard again: the dispatcher must look again.
		return p.send(in, MsgUpdate, fmt.Sprintf(".alarm%d", e.Count), e, nil)
	case "emergency_ack":
		in := p.emergency(e)
		return p.send(in, MsgUpdate, fmt.Sprintf(".ack%d", e.Count), e, nil)
	case "emergency_clear":
		in := p.emergency(e)
		if !in.Active && len(in.Sent) > 0 && strings.HasSuffix(in.Sent[len(in.Sent)-1].Identifier, ".clear") {
			return nil // already cancelled (a re-delivered clear)
		}
		in.Active, in.Until = false, e.Time.Add(cfg.FeedKeep)
		msgs := p.send(in, MsgCancel, ".clear", e, nil)
		if len(msgs) == 0 {
			return nil
		}
		// The retained alert goes with the emergency, so a notifier that
		// subscribes later sees only what is still going on.
		return append(msgs, Message{ID: in.Key, Retain: true})
	}
	if !p.critical(e) {
		return nil
	}
	key := p.key("a-", e.ID)
	if p.incidents[key] != nil {
		return nil // a re-delivered event
	}
	expires := e.Time.Add(cfg.Expires)
	in := &incident{Key: key, Kind: e.Kind, Until: expires}
	p.incidents[key] = in
	return p.send(in, MsgAlert, "", e, at(expires))
}

// emergency finds the incident of an ack or clear; one radiogw has no
// record of (a book lost with its disk) starts afresh, without references.
func (p *Publisher) emergency(e *change.Event) *incident {
	key := p.key("e-", e.Emergency)
	in := p.incidents[key]
	if in == nil {
		in = &incident{Key: key, Kind: "emergency", Active: true}
		p.incidents[key] = in
	}
	return in
}

func (p *Publisher) critical(e *change.Event) bool {
	cfg := &p.cfg
	if !slices.Contains(cfg.CriticalEvents, e.Kind) {
		return false
	}
	switch e.Kind {
	case "status":
		return slices.Contains(cfg.StatusCodes, e.StatusCode) || slices.Contains(cfg.StatusCodes, e.Status)
	case "geofence_enter", "geofence_exit":
		return slices.Contains(cfg.Geofences, e.Fence)
	}
	return true
}

// send builds the incident's next message. Retained: an active emergency's
// latest message stays on the broker until its Cancel.
func (p *Publisher) send(in *incident, msgType, suffix string, e *change.Event, expires *Time) []Message {
	id := p.cfg.IdentifierPrefix + "." + in.Key + suffix
	for _, s := range in.Sent {
		if s.Identifier == id {
			return nil // this message went out already (a re-delivered event)
		}
	}
	a := p.build(in, msgType, id, e, expires)
	doc, err := a.Document()
	if err != nil {
		p.opts.Logger.Error("cap alert not built", "identifier", id, "err", err)
		p.failed(msgType)
		return nil
	}
	in.Sent = append(in.Sent, sentRef{Identifier: id, Sent: a.Sent.Time})
	in.Latest = a
	return []Message{{ID: in.Key, MsgType: msgType, Doc: doc, Retain: in.Kind == "emergency"}}
}

// prune drops from the book what has left the feed: cleared emergencies
// after FeedKeep, one-shot alerts after they expired, and the oldest
// one-shot alerts beyond MaxOneShot. It reports whether an emergency left
// (the saved book changed).
func (p *Publisher) prune(now time.Time) bool {
	saved := false
	var oneShot []*incident
	for k, in := range p.incidents {
		switch {
		case !in.Active && now.After(in.Until):
			delete(p.incidents, k)
			saved = saved || in.Kind == "emergency"
		case in.Kind != "emergency":
			oneShot = append(oneShot, in)
		}
	}
	if over := len(oneShot) - MaxOneShot; over > 0 {
		sort.Slice(oneShot, func(i, j int) bool { return oneShot[i].Until.Before(oneShot[j].Until) })
		for _, in := range oneShot[:over] {
			delete(p.incidents, in.Key)
		}
		if p.opts.OnEvicted != nil {
			p.opts.OnEvicted(over)
		}
	}
	return saved
}

// MaxOneShot bounds the one-shot alerts kept for the feed: a site that
// marks a busy kind critical cannot grow the book without end. Their MQTT
// messages went out regardless.
const MaxOneShot = 1000

// save writes the emergencies of the book atomically: what an Update or
// Cancel after a restart must reference. One-shot alerts have no follow-up
// and stay in memory (a restart drops them from the feed). A failure is
// logged and counted; the alerts still go out.
func (p *Publisher) save() {
	if p.opts.Path == "" {
		return
	}
	list := make([]*incident, 0, len(p.incidents))
	for _, in := range p.incidents {
		if in.Kind == "emergency" {
			list = append(list, in)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Key < list[j].Key })
	b, err := json.Marshal(list)
	if err == nil {
		err = writeFile(p.opts.Path, b, 0o640)
	}
	if err != nil {
		p.opts.Logger.Error("cap book not saved", "path", p.opts.Path, "err", err)
		p.failed("book")
	}
}

func writeFile(path string, b []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// key names an incident in topics, identifiers and the feed without
// naming anything a site did not list in fields: the emergency ID carries
// the radio ID, an event ID the unit and channel. It is a keyed hash
// (HMAC-SHA-256 with the site's secret, cap.key beside the book), so the
// same emergency keeps its key across restarts and nobody without the
// secret can go back from the key to the radio.
func (p *Publisher) key(prefix, id string) string {
	m := hmac.New(sha256.New, p.secret)
	m.Write([]byte(id))
	return prefix + hex.EncodeToString(m.Sum(nil)[:8])
}

// loadSecret reads the secret the incident keys are made with, creating it
// on first start.
func loadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(b) >= 32 {
		return b[:32], nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	return secret, writeFile(path, secret, 0o600)
}
