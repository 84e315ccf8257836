// Package mqtt publishes radiogw's live state to an MQTT broker for wall-map
// displays: retained unit and channel state, a GeoJSON map, an optional
// OwnTracks mirror, and a QoS 1 event stream fed from a durable outbox.
package mqtt

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/metrics"
	"radiogw/gateway/publish"
	"radiogw/gateway/publish/outbox"
)

// Queue is the durable event queue the sink drains (the outbox).
type Queue interface {
	Append(entries ...outbox.Entry) error
	Peek(max int) ([]outbox.Entry, error)
	Ack(upTo uint64) error
}

// Options configure the sink.
type Options struct {
	Site       string
	Broker     string // tcp://host:port, ssl://host:port, ws://host:port/mqtt
	ClientID   string
	TopicRoot  string
	Username   string
	Password   string
	TLS        *tls.Config
	UnitRate   float64 // unit-state publishes per unit per second; emergencies bypass it
	OwnTracks  bool
	KeepAlive  time.Duration
	Queue      Queue
	Metrics    *metrics.Metrics
	Logger     *slog.Logger
	Resolve    func(radioID string) string // radio ID → unit call sign, for channel payloads
	OnCommand  func(Command)               // called from the client's goroutine; must not block
	MapEvery   time.Duration               // at most one map publish per interval (default 1s)
	WaitBudget time.Duration               // how long to wait for a batch of acks (default 10s)
}

const sinkName = "mqtt"

// Sink is the MQTT publisher.
type Sink struct {
	opts   Options
	client paho.Client
	log    *slog.Logger

	mu           sync.Mutex
	units        map[string]*unitSlot
	dirtyUnits   map[string]*unitSlot // the dirty subset of units: a round never scans the whole roster
	channels     map[string]*channelSlot
	forgotten    map[string]bool // units whose retained topics must be deleted at the broker
	mapDirty     bool
	lastMap      time.Time
	republishAll atomic.Bool

	kick chan struct{}
}

type unitSlot struct {
	unit     avl.Unit
	dirty    bool
	urgent   bool // emergency state changed: bypass the rate ceiling
	lastPub  time.Time
	received time.Time
}

type channelSlot struct {
	state channels.ChannelState
	dirty bool
}

// New builds the sink; it connects when Run starts.
func New(opts Options) (*Sink, error) {
	if opts.Queue == nil {
		return nil, errors.New("mqtt sink: no event queue")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.UnitRate <= 0 {
		opts.UnitRate = 2
	}
	if opts.MapEvery <= 0 {
		opts.MapEvery = time.Second
	}
	if opts.WaitBudget <= 0 {
		opts.WaitBudget = 10 * time.Second
	}
	if opts.Resolve == nil {
		opts.Resolve = func(id string) string { return id }
	}
	s := &Sink{opts: opts, log: opts.Logger.With("sink", sinkName), units: map[string]*unitSlot{},
		channels: map[string]*channelSlot{}, forgotten: map[string]bool{}, dirtyUnits: map[string]*unitSlot{}, kick: make(chan struct{}, 1)}

	// radiogw reconnects itself (Run) instead of using paho's auto-reconnect:
	// on a lost connection paho then fails every pending token at once (the
	// outbox keeps those events unacknowledged) and a clean-session Connect
	// empties paho's in-memory store, so no publish from before the outage is
	// replayed after newer state.
	co := paho.NewClientOptions().AddBroker(opts.Broker).SetClientID(opts.ClientID).
		SetUsername(opts.Username).SetPassword(opts.Password).
		SetCleanSession(true).
		SetOrderMatters(false). // handlers never block; ordering of our publishes is ours
		SetAutoReconnect(false).SetConnectRetry(false).
		SetConnectTimeout(10*time.Second).SetWriteTimeout(10*time.Second).
		SetKeepAlive(orDefault(opts.KeepAlive, 30*time.Second)).
		SetWill(s.topic("status"), "offline", 1, true).
		SetOnConnectHandler(s.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			s.gauge(0)
			s.log.Warn("broker connection lost", "broker", opts.Broker, "err", err)
			s.poke()
		})
	if opts.TLS != nil {
		co.SetTLSConfig(opts.TLS)
	}
	s.client = paho.NewClient(co)
	return s, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Name implements publish.Sink.
func (s *Sink) Name() string { return sinkName }

func (s *Sink) topic(parts ...string) string {
	var b bytes.Buffer
	b.WriteString(s.opts.TopicRoot)
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(p)
	}
	return b.String()
}

func (s *Sink) gauge(v float64) {
	if m := s.opts.Metrics; m != nil {
		m.SinkConnected.WithLabelValues(sinkName).Set(v)
	}
}

// onConnect runs in paho's goroutine after every (re)connect: it subscribes
// (a clean session forgets subscriptions) and asks the run loop to republish
// every retained topic, since the broker may have restarted empty.
func (s *Sink) onConnect(c paho.Client) {
	s.gauge(1)
	if m := s.opts.Metrics; m != nil {
		m.SinkReconnects.WithLabelValues(sinkName).Inc()
	}
	s.log.Info("connected to broker", "broker", s.opts.Broker)
	c.Subscribe(s.topic("commands", "+"), 1, s.onCommand) // not waited on: never block in a handler
	s.republishAll.Store(true)
	s.poke()
}

// onCommand runs in paho's goroutine: it parses and hands the command on
// without blocking. Rejections are counted here; accepted commands are counted
// by whoever applies them (OnCommand), with the tracker's verdict.
func (s *Sink) onCommand(_ paho.Client, m paho.Message) {
	suffix := m.Topic()[min(len(m.Topic()), len(s.topic("commands"))+1):]
	cmd, err := ParseCommand(suffix, m.Payload())
	if err != nil {
		if mt := s.opts.Metrics; mt != nil {
			mt.CommandsTotal.WithLabelValues("mqtt", commandResult(err)).Inc()
		}
		s.log.Warn("rejected command", "topic", m.Topic(), "reason", commandResult(err))
		return
	}
	if s.opts.OnCommand != nil {
		s.opts.OnCommand(cmd)
	}
}

func (s *Sink) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Write implements publish.Sink: latest unit and channel state go to the
// in-memory tables (coalesced), events to the durable queue.
func (s *Sink) Write(b publish.Batch) error {
	if len(b.Events) > 0 {
		entries := make([]outbox.Entry, 0, len(b.Events))
		for i := range b.Events {
			payload, err := EventPayload(s.opts.Site, &b.Events[i])
			if err != nil {
				return err
			}
			entries = append(entries, outbox.Entry{Class: outbox.ClassEvent, Time: b.Events[i].Time,
				Data: append([]byte(b.Events[i].Kind+"\n"), payload...)})
		}
		if err := s.opts.Queue.Append(entries...); err != nil {
			return fmt.Errorf("mqtt sink: queue events: %w", err)
		}
	}
	s.mu.Lock()
	for i := range b.Units {
		c := &b.Units[i]
		if c.Kind != avl.UnitUpdated {
			continue
		}
		slot := s.units[c.Unit.ID]
		if slot == nil {
			slot = &unitSlot{}
			s.units[c.Unit.ID] = slot
			delete(s.forgotten, c.Unit.ID)
		}
		if emergencyChanged(slot.unit.Emergency, c.Unit.Emergency) {
			slot.urgent = true
		}
		if !slot.dirty {
			slot.received = c.Time
		}
		slot.unit, slot.dirty = c.Unit, true
		s.dirtyUnits[c.Unit.ID] = slot
		s.mapDirty = true
	}
	for i := range b.Channels {
		st := b.Channels[i].Channel
		if st.Name == "" {
			continue
		}
		slot := s.channels[st.Name]
		if slot == nil {
			slot = &channelSlot{}
			s.channels[st.Name] = slot
		}
		slot.state, slot.dirty = st, true
	}
	s.mu.Unlock()
	s.poke()
	return nil
}

func emergencyChanged(a, b *avl.Emergency) bool {
	if (a == nil) != (b == nil) {
		return true
	}
	return a != nil && *a != *b
}

// Forget removes a unit (e.g. one dropped from the roster on reload): its
// retained topics get an empty retained message, which deletes them at the
// broker, and it leaves the map. Kept until the broker confirmed, so a unit
// forgotten during an outage does not linger as a ghost.
func (s *Sink) Forget(unitID string) {
	s.mu.Lock()
	delete(s.units, unitID)
	delete(s.dirtyUnits, unitID)
	s.forgotten[unitID] = true
	s.mapDirty = true
	s.mu.Unlock()
	s.poke()
}

// Reconnect backoff: doubling from minRetry up to maxRetry.
const (
	minRetry = time.Second
	maxRetry = 30 * time.Second
)

// Run connects, reconnects with backoff, and publishes until ctx ends.
func (s *Sink) Run(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	backoff := minRetry
	var retryAt time.Time
	for {
		if !s.client.IsConnectionOpen() && !time.Now().Before(retryAt) {
			if err := s.connect(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if m := s.opts.Metrics; m != nil {
					m.SinkRetries.WithLabelValues(sinkName).Inc()
				}
				s.log.Warn("broker unreachable", "broker", s.opts.Broker, "err", err, "retry_in", backoff)
				retryAt = time.Now().Add(backoff)
				backoff = min(backoff*2, maxRetry)
			} else {
				backoff = minRetry
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.kick:
		case <-tick.C:
		}
		s.round(time.Now(), false)
	}
}

// connect makes one connection attempt, abandoned when ctx ends.
func (s *Sink) connect(ctx context.Context) error {
	t := s.client.Connect()
	select {
	case <-t.Done():
		if err := t.Error(); err != nil {
			return fmt.Errorf("connect %s: %w", s.opts.Broker, err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// round publishes what is due: a batch of events first (an emergency event
// must not wait behind map updates), then state, until the backlog is empty.
func (s *Sink) round(now time.Time, force bool) {
	if !s.client.IsConnectionOpen() {
		return
	}
	if s.republishAll.Swap(false) {
		s.client.Publish(s.topic("status"), 1, true, "online")
		s.mu.Lock()
		for id, u := range s.units {
			u.dirty, u.urgent = true, true
			s.dirtyUnits[id] = u
		}
		for _, c := range s.channels {
			c.dirty = true
		}
		s.mapDirty = true
		s.lastMap = time.Time{}
		s.mu.Unlock()
	}
	// State goes out between event batches, so a long backlog after an
	// outage does not hold a unit's emergency state behind old events.
	for {
		more := s.drainEvents()
		s.publishState(now, force)
		if !more {
			return
		}
		now = time.Now()
	}
}

// drainEvents publishes one batch of queued events and acknowledges it to the
// queue once the broker confirmed every message. It reports whether a full
// batch went out (more may be waiting).
func (s *Sink) drainEvents() bool {
	const batch = 500
	entries, err := s.opts.Queue.Peek(batch)
	if err != nil {
		s.log.Error("read event queue", "err", err)
		return false
	}
	if len(entries) == 0 {
		return false
	}
	tokens := make([]paho.Token, len(entries))
	for i, e := range entries {
		kind, payload, _ := bytes.Cut(e.Data, []byte{'\n'})
		tokens[i] = s.client.Publish(s.topic("events", string(kind)), 1, false, payload)
	}
	if !s.waitAll(tokens) {
		return false // not acked: the whole batch is sent again (at-least-once, IDs dedupe)
	}
	if err := s.opts.Queue.Ack(entries[len(entries)-1].Index); err != nil {
		s.log.Error("ack event queue", "err", err)
		return false
	}
	if m := s.opts.Metrics; m != nil {
		m.SinkPublished.WithLabelValues(sinkName, "event").Add(float64(len(entries)))
	}
	return len(entries) == batch
}

func (s *Sink) waitAll(tokens []paho.Token) bool {
	deadline := time.Now().Add(s.opts.WaitBudget)
	ok := true
	for _, t := range tokens {
		if !t.WaitTimeout(time.Until(deadline)) {
			s.fail("timeout")
			return false
		}
		if err := t.Error(); err != nil {
			s.fail("error")
			s.log.Warn("publish failed", "err", err)
			ok = false
		}
	}
	return ok
}

func (s *Sink) fail(reason string) {
	if m := s.opts.Metrics; m != nil {
		m.SinkFailures.WithLabelValues(sinkName, reason).Inc()
	}
}

type pending struct {
	topic    string
	payload  []byte
	token    paho.Token
	kind     string // unit, owntracks, forget, channel, map: the metrics label
	unit     string
	channel  string
	received time.Time
}

// publishState publishes dirty state; force ignores the per-unit rate ceiling
// (used on shutdown so the broker keeps the latest state). What is due is
// taken under the lock; encoding and publishing happen outside it, so Write
// (the tracker goroutine) never waits on JSON or on the network.
func (s *Sink) publishState(now time.Time, force bool) {
	minGap := time.Duration(float64(time.Second) / s.opts.UnitRate)
	type dueUnit struct {
		unit     avl.Unit
		received time.Time
	}
	var (
		units    []dueUnit
		chans    []channels.ChannelState
		forget   []string
		mapUnits []*avl.Unit
	)
	s.mu.Lock()
	for id, slot := range s.dirtyUnits {
		if !force && !slot.urgent && now.Sub(slot.lastPub) < minGap {
			continue // stays dirty: published when its gap has passed
		}
		delete(s.dirtyUnits, id)
		units = append(units, dueUnit{slot.unit, slot.received})
		slot.dirty, slot.urgent, slot.lastPub = false, false, now
	}
	for id := range s.forgotten {
		forget = append(forget, id)
	}
	for _, slot := range s.channels {
		if slot.dirty {
			chans = append(chans, slot.state)
			slot.dirty = false
		}
	}
	if s.mapDirty && (force || now.Sub(s.lastMap) >= s.opts.MapEvery) {
		mapUnits = make([]*avl.Unit, 0, len(s.units))
		for _, slot := range s.units {
			u := slot.unit
			mapUnits = append(mapUnits, &u)
		}
		s.mapDirty, s.lastMap = false, now
	}
	s.mu.Unlock()

	out := make([]pending, 0, len(units)+len(chans)+len(forget)+1)
	// Each message goes out as soon as it is encoded: the first unit of a
	// large round does not wait for the last one's JSON.
	add := func(p pending) {
		p.token = s.client.Publish(p.topic, 1, true, p.payload)
		p.payload = nil
		out = append(out, p)
	}
	for i := range units {
		u := &units[i].unit
		payload, err := UnitPayload(s.opts.Site, u, now)
		if err != nil {
			s.log.Error("encode unit", "err", err)
			continue
		}
		add(pending{topic: s.topic("units", u.ID), payload: payload, kind: "unit", unit: u.ID,
			received: units[i].received})
		if s.opts.OwnTracks {
			if ot, err := OwnTracksPayload(u); err == nil && ot != nil {
				add(pending{topic: "owntracks/" + s.opts.Site + "/" + u.ID, payload: ot, kind: "owntracks", unit: u.ID})
			}
		}
	}
	for _, id := range forget {
		add(pending{topic: s.topic("units", id), payload: []byte{}, kind: "forget", unit: id})
		if s.opts.OwnTracks {
			add(pending{topic: "owntracks/" + s.opts.Site + "/" + id, payload: []byte{}, kind: "forget", unit: id})
		}
	}
	for i := range chans {
		payload, err := ChannelPayload(s.opts.Site, &chans[i], s.opts.Resolve)
		if err != nil {
			s.log.Error("encode channel", "err", err)
			continue
		}
		add(pending{topic: s.topic("channels", chans[i].Name), payload: payload, kind: "channel", channel: chans[i].Name})
	}
	if mapUnits != nil {
		sort.Slice(mapUnits, func(i, j int) bool { return mapUnits[i].ID < mapUnits[j].ID })
		if payload, err := MapPayload(s.opts.Site, mapUnits, now); err == nil {
			add(pending{topic: s.topic("map"), payload: payload, kind: "map"})
		}
	}
	s.confirm(out)
}

// confirm waits for the broker's acks; a state publish that failed is marked
// dirty again so the next round sends the latest state.
func (s *Sink) confirm(out []pending) {
	deadline := time.Now().Add(s.opts.WaitBudget)
	m := s.opts.Metrics
	for _, p := range out {
		ok := p.token.WaitTimeout(time.Until(deadline)) && p.token.Error() == nil
		if !ok {
			s.fail("state")
			s.redirty(p)
			continue
		}
		if p.kind == "forget" {
			s.mu.Lock()
			if s.units[p.unit] == nil {
				delete(s.forgotten, p.unit)
			}
			s.mu.Unlock()
			continue
		}
		if m != nil {
			if p.kind == "unit" && !p.received.IsZero() {
				m.PublishLatency.WithLabelValues(sinkName).Observe(time.Since(p.received).Seconds())
			}
			m.SinkPublished.WithLabelValues(sinkName, p.kind).Inc()
		}
	}
}

func (s *Sink) redirty(p pending) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case p.unit != "":
		if slot := s.units[p.unit]; slot != nil {
			slot.dirty = true
			s.dirtyUnits[p.unit] = slot
		}
	case p.channel != "":
		if slot := s.channels[p.channel]; slot != nil {
			slot.dirty = true
		}
	default:
		s.mapDirty = true
	}
}

// Close publishes what is pending within ctx's deadline, says offline and
// disconnects.
func (s *Sink) Close(ctx context.Context) error {
	if s.client.IsConnectionOpen() {
		done := make(chan struct{})
		go func() {
			s.round(time.Now(), true)
			close(done)
		}()
		select {
		case <-done:
		case <-ctx.Done():
		}
		t := s.client.Publish(s.topic("status"), 1, true, "offline")
		t.WaitTimeout(time.Second)
	}
	s.client.Disconnect(250)
	s.gauge(0)
	return nil
}
