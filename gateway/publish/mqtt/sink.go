// Package mqtt publishes radiogw's live state to an MQTT broker for wall-map
// displays: retained unit and channel state, a GeoJSON map, an optional
// OwnTracks mirror, and a QoS 1 event stream fed from a durable outbox.
//
// Every topic is a row of one table (topics.go): its pattern, QoS, retained
// flag, schema and encoder. Metrics go out through Options.OnMetric.
//
// The per-message path is kept cheap: payloads are encoded by hand into
// reused buffers (unitjson.go); unit topics go over a second connection
// without paho's per-message machinery, a round in one write with its
// PUBACKs settled in bulk (statelink.go); the other state acks are settled
// off the run loop with a bounded window in flight (acks.go), and paho's
// connection batches writes and buffers reads (batchconn.go).
package mqtt

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	"radiogw/gateway/publish/outbox"
	"radiogw/gateway/topicname"
)

// Queue is the durable event queue the sink drains (the outbox).
type Queue interface {
	Append(entries ...outbox.Entry) error
	Peek(max int) ([]outbox.Entry, error)
	Ack(upTo uint64) error
	Last() uint64 // index of the newest entry appended
}

// Options configure the sink.
type Options struct {
	Site      string
	Broker    string // tcp://host:port, ssl://host:port, ws://host:port/mqtt
	ClientID  string
	TopicRoot string
	Username  string
	Password  string
	TLS       *tls.Config
	UnitRate  float64 // unit-state publishes per unit per second; emergencies bypass it
	OwnTracks bool
	// HomeAssistant publishes Home Assistant MQTT discovery and a tracker
	// payload per unit (homeassistant.go), under HAPrefix (default
	// "homeassistant").
	HomeAssistant bool
	HAPrefix      string
	// DefaultAccuracyM is the accuracy (metres) reported to OwnTracks and
	// Home Assistant for a fix with neither an accuracy nor an HDOP
	// (default DefaultAccuracyM).
	DefaultAccuracyM float64
	KeepAlive        time.Duration
	// SingleConnection publishes unit topics through paho's connection
	// instead of the state link (statelink.go): for a broker that cannot
	// take a second connection of this login.
	SingleConnection bool
	Queue            Queue
	// OnMetric receives the sink's metrics (metrics.go); nil drops them.
	// It is called from several goroutines and must not block.
	OnMetric   func(name string, labels map[string]string, value float64)
	Logger     *slog.Logger
	Resolve    func(radioID string) string // radio ID → unit call sign, for channel payloads
	OnCommand  func(Command)               // called from the client's goroutine; must not block
	MapEvery   time.Duration               // at most one map publish per interval (default 1s; 1 s per 1,000 units for larger fleets)
	WaitBudget time.Duration               // how long to wait for a batch of acks (default 10s)
	Passive    bool                        // start as a standby: no connection, nothing published (SetPassive)
	// Extra turns a batch's events into more messages (CAP alerts), queued
	// after them in the same outbox; OnExtra hears how each one went
	// (extra.go). Both are optional.
	Extra   func(events []change.Event) []Extra
	OnExtra func(label string, published bool)
}

const sinkName = "mqtt"

// defaultHAPrefix is Home Assistant's discovery prefix.
const defaultHAPrefix = "homeassistant"

// Sink is the MQTT publisher.
type Sink struct {
	opts     Options
	client   paho.Client
	pahoOpts *paho.ClientOptions // what client dials with: the state link dials the same
	log      *slog.Logger
	topics   [numTopics]topic // the topic table, with this sink's names (topics.go)
	labels   labelSets

	mu           sync.Mutex
	units        map[string]*unitSlot
	dirtyUnits   map[string]*unitSlot // dirty units not waiting for their gap: a round never scans the whole roster
	gate         gate                 // dirty units waiting for their unit_rate gap (gate.go)
	channels     map[string]*channelSlot
	forgotten    map[string]bool         // units whose retained topics must be deleted at the broker
	forgetting   map[string]*forgetState // forgotten units whose deletes are in flight
	mapDirty     bool
	lastMap      time.Time
	mapRefusedAt int // units when the map was last too large to publish; 0: it was not
	republishAll atomic.Bool
	connected    atomic.Bool
	connChanged  atomic.Int64 // unix nanos of the last connect or disconnect (or New)
	passive      atomic.Bool  // a standby: stay disconnected, keep the latest state for takeover
	reassert     atomic.Bool  // our status topic read "offline" while we are the active: say online again

	kick chan struct{}

	memMu sync.Mutex
	mem   []memEvent // events the queue could not take, oldest first (memqueue.go)

	fence fence // the broker's retained state, newer than ours (fence.go)

	arena  arena        // unit payloads (run loop only)
	due    []dueUnit    // publishState's scratch (run loop only)
	link   *stateLink   // the second connection, for units' own topics (statelink.go)
	window *window      // bounds state publishes awaiting their ack
	acks   chan pending // to the completer, in publish order
	quit   chan struct{}
	closed sync.Once
}

type unitSlot struct {
	unit   avl.Unit
	topic  string // <root>/units/<unit>, built once
	dirty  bool
	urgent bool // emergency state changed: bypass the rate ceiling
	gated  bool // dirty, parked in the gate until its gap has passed
	// announced: its once-per-connection companions (OwnTracks card, Home
	// Assistant discovery) went out since the last connect.
	announced bool
	lastPub   time.Time
	received  time.Time
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
	if opts.HAPrefix == "" {
		opts.HAPrefix = defaultHAPrefix
	}
	if opts.DefaultAccuracyM <= 0 {
		opts.DefaultAccuracyM = DefaultAccuracyM
	}
	if opts.Resolve == nil {
		opts.Resolve = func(id string) string { return id }
	}
	s := &Sink{opts: opts, log: opts.Logger.With("sink", sinkName), topics: compileTopics(&opts), labels: newLabelSets(),
		units:    map[string]*unitSlot{},
		channels: map[string]*channelSlot{}, forgotten: map[string]bool{}, forgetting: map[string]*forgetState{},
		dirtyUnits: map[string]*unitSlot{}, kick: make(chan struct{}, 1),
		window: newWindow(), acks: make(chan pending, maxInflight+8), quit: make(chan struct{})}
	s.passive.Store(opts.Passive)
	s.link = s.newStateLink()
	go s.completer()

	// radiogw reconnects itself (Run) instead of using paho's auto-reconnect:
	// on a lost connection paho then fails every pending token at once (the
	// outbox keeps those events unacknowledged) and a clean-session Connect
	// empties paho's in-memory store, so no publish from before the outage is
	// replayed after newer state.
	co := paho.NewClientOptions().AddBroker(opts.Broker).SetClientID(opts.ClientID).
		SetUsername(opts.Username).SetPassword(opts.Password).
		SetCleanSession(true).
		SetProtocolVersion(4).  // MQTT 3.1.1, as the state link: no second login in 3.1 after a refusal
		SetOrderMatters(false). // handlers never block; ordering of our publishes is ours
		SetAutoReconnect(false).SetConnectRetry(false).
		SetConnectTimeout(10 * time.Second).SetWriteTimeout(10 * time.Second).
		SetCustomOpenConnectionFn(openConn). // one write(2) per batch of packets, buffered reads
		SetKeepAlive(orDefault(opts.KeepAlive, 30*time.Second)).
		SetWill(s.will()).
		SetOnConnectHandler(s.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			s.gauge(0)
			s.log.Warn("broker connection lost", "broker", opts.Broker, "err", err)
			s.poke()
		})
	if opts.TLS != nil {
		co.SetTLSConfig(opts.TLS)
	}
	s.client, s.pahoOpts = paho.NewClient(co), co
	s.connChanged.Store(time.Now().UnixNano())
	return s, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Connected reports whether the sink is connected to the broker, and since
// when it has been (or has not been).
func (s *Sink) Connected() (bool, time.Time) {
	return s.connected.Load(), time.Unix(0, s.connChanged.Load())
}

// Name implements change.Sink.
func (s *Sink) Name() string { return sinkName }

func (s *Sink) gauge(v float64) {
	if s.connected.Swap(v == 1) != (v == 1) {
		s.connChanged.Store(time.Now().UnixNano())
	}
	s.metric(MetricConnected, "", "", v)
}

// Write implements change.Sink: latest unit and channel state go to the
// in-memory tables (coalesced), events to the durable queue. State is taken
// first and never depends on the disk: when the queue cannot be written the
// events are kept in memory and go out in order from there (memqueue.go),
// and Write returns an error wrapping change.ErrNotDurable.
func (s *Sink) Write(b change.Batch) error {
	s.mu.Lock()
	for i := range b.Units {
		c := &b.Units[i]
		if c.Kind != avl.UnitUpdated {
			continue
		}
		slot := s.units[c.Unit.ID]
		if slot == nil {
			if !s.topicLevel(c.Unit.ID) {
				continue
			}
			slot = &unitSlot{topic: s.topicFor(topicUnit).name(c.Unit.ID)}
			s.units[c.Unit.ID] = slot
			delete(s.forgotten, c.Unit.ID)
		}
		if emergencyChanged(slot.unit.Emergency, c.Unit.Emergency) {
			slot.urgent = true
		}
		if !slot.dirty || slot.received.IsZero() {
			slot.received = c.Received // the oldest unpublished frame's receipt; zero: not from a frame
		}
		slot.unit, slot.dirty = c.Unit, true
		if !slot.gated || slot.urgent { // a parked unit is published from the gate, with its newest state
			s.dirtyUnits[c.Unit.ID] = slot
		}
		s.mapDirty = true
	}
	for i := range b.Channels {
		st := b.Channels[i].Channel
		if st.Name == "" {
			continue
		}
		slot := s.channels[st.Name]
		if slot == nil {
			if !s.topicLevel(st.Name) {
				continue
			}
			slot = &channelSlot{}
			s.channels[st.Name] = slot
		}
		slot.state, slot.dirty = st, true
	}
	s.mu.Unlock()
	err := s.queueEvents(b.Events)
	s.poke()
	return err
}

// queueEvents appends the events to the durable queue, or keeps them in
// memory when it cannot take them.
func (s *Sink) queueEvents(events []change.Event) error {
	if len(events) == 0 {
		return nil
	}
	entries := make([]outbox.Entry, 0, len(events))
	t := s.topicFor(topicEvent)
	for i := range events {
		payload := s.encodeFor(t, &subject{event: &events[i]})
		if payload == nil {
			continue
		}
		entries = append(entries, outbox.Entry{Class: outbox.ClassEvent, Time: events[i].Time,
			Data: append([]byte(events[i].Kind+"\n"), payload...)})
	}
	entries = s.appendExtras(entries, events)
	err := s.opts.Queue.Append(entries...)
	if err == nil || errors.Is(err, outbox.ErrOverflow) {
		return err // written (with an overflow, older events had to go: the runtime alarms)
	}
	s.keepInMemory(entries)
	return fmt.Errorf("mqtt sink: %d events kept in memory: %w: %w", len(entries), change.ErrNotDurable, err)
}

// topicLevel is the last guard before a name becomes a topic level: names
// are checked where they enter radiogw (decoders, snapshot, configuration),
// so a refusal here means a path that skipped the check; it is counted, and
// the broker never sees the name (a '+' or '#' would cost the connection).
func (s *Sink) topicLevel(name string) bool {
	if topicname.Valid(name) {
		return true
	}
	s.metric(MetricDropped, "reason", "bad_topic_name", 1)
	return false
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
	if !topicname.Valid(unitID) {
		return // never published, nothing to delete
	}
	s.mu.Lock()
	delete(s.units, unitID)
	delete(s.dirtyUnits, unitID)
	s.forgotten[unitID] = true
	if f := s.forgetting[unitID]; f != nil {
		// A delete in flight may precede a state published since: it does
		// not settle this Forget.
		f.again = true
	}
	s.mapDirty = true
	s.mu.Unlock()
	s.poke()
}

// Close publishes what is pending and waits for the broker's acks within
// ctx's deadline, says offline and disconnects. Call it after Run returned.
func (s *Sink) Close(ctx context.Context) error {
	if s.linkUp() {
		done := make(chan struct{})
		go func() {
			s.round(time.Now(), true)
			s.settled(ctx.Done())
			s.stateSettled(ctx.Done())
			close(done)
		}()
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	if s.client.IsConnectionOpen() {
		s.publishStatus("offline").WaitTimeout(time.Second)
	}
	s.closeState()
	s.client.Disconnect(250)
	s.closed.Do(func() {
		close(s.quit)
		s.window.stop()
	})
	s.gauge(0)
	return nil
}
