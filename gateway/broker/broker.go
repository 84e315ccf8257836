// Package broker runs radiogw's embedded MQTT broker (mochi-mqtt) for sites
// without one of their own. It listens on loopback by default, keeps retained
// messages forever (a parked unit must not vanish from the map), and can
// require logins with per-role access.
package broker

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"radiogw/gateway/netguard"
)

// Roles a login may have.
const (
	RoleGateway    = "gateway"    // radiogw itself: may publish anything under the root
	RoleDisplay    = "display"    // wall maps: read only
	RoleDispatcher = "dispatcher" // consoles: read, and publish to the command topics
)

// User is a login on the broker.
type User struct {
	Name, Password, Role string
}

// Options configure the broker.
type Options struct {
	Listen    string // TCP address, e.g. 127.0.0.1:1883
	WebSocket string // WebSocket address; empty disables
	Auth      bool   // require a login; without it every client may do anything
	Users     []User
	TopicRoot string // radiogw/<site>; commands live under <root>/commands/
	// AllowedOrigins are extra browser origins ("https://wallmap.example:8443",
	// or "*" for any) admitted on the WebSocket listener besides pages from
	// the broker's own host name and loopback pages on a loopback broker.
	AllowedOrigins []string
	// AllowedHosts are extra host names the WebSocket listener answers to
	// besides IP literals, localhost and this machine's name: a page that
	// reaches the listener under any other name came through DNS rebinding.
	AllowedHosts []string
	// Limits cap each listener's connections (total and per remote address).
	Limits netguard.Limits
	// ConnectTimeout closes a connection that has not sent a complete
	// CONNECT packet this long after it was accepted (default 5 s).
	ConnectTimeout time.Duration
	// OnEvent receives every refusal, retry and timeout by listener ("tcp",
	// "ws") and one of Events; nil ignores them.
	OnEvent func(listener, event string)
	Logger  *slog.Logger
}

// Events the broker reports through Options.OnEvent, besides netguard's.
const (
	EventConnectTimeout  = "connect_timeout"   // no complete CONNECT within ConnectTimeout
	EventConnectTooLarge = "connect_too_large" // a CONNECT packet above MaxConnectBytes
	EventWillDenied      = "will_denied"       // a login whose will topic it may not publish to
	EventOriginRefused   = "origin_refused"    // WebSocket: a browser page of another origin
	EventHostRefused     = "host_refused"      // WebSocket: a Host name not configured (DNS rebinding)
	EventSlowConsumer    = "slow_consumer"     // disconnected: more than MaxClientBacklog queued for it
)

// Events lists every event per listener, for counters present at zero.
var Events = append(append([]string{}, netguard.Events...),
	EventConnectTimeout, EventConnectTooLarge, EventWillDenied, EventOriginRefused, EventHostRefused, EventSlowConsumer)

// Listener names in events.
const (
	ListenerTCP = "tcp"
	ListenerWS  = "ws"
)

// MaxClientWritesPending is the number of messages mochi routes to one
// client before its writer has taken them (8 bytes each, allocated when
// the client logs in): more than the retained units of a large region.
const MaxClientWritesPending = 1 << 16

// DefaultConnectTimeout is ConnectTimeout's default.
const DefaultConnectTimeout = 5 * time.Second

// Broker is a running embedded broker.
type Broker struct {
	srv          *mqtt.Server
	addr, wsAddr string
	gatewayUser  User
	listeners    []stoppable
	guards       []*netguard.Listener
	closeOnce    sync.Once
	closeErr     error
	superseded   atomic.Int64 // state replaced by newer state before it was sent
	flowHeld     atomic.Int64 // QoS 1/2 messages that waited for an MQTT 5 client's Receive Maximum (see flowHook)
}

// stoppable is one of radiogw's listeners.
type stoppable interface {
	stop()                             // stop accepting, close every connection
	drained(within time.Duration) bool // every connection's handler has returned
}

// ErrPortInUse is returned when the broker's address is taken, typically by a
// site's own mosquitto.
var ErrPortInUse = errors.New("address already in use")

// Start binds the listeners and serves in the background.
func Start(opts Options) (*Broker, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.OnEvent == nil {
		opts.OnEvent = func(string, string) {}
	}
	caps := mqtt.NewDefaultServerCapabilities()
	// mochi deletes retained messages after 24 h unless this is 0; a unit
	// parked for a weekend must stay on the map.
	caps.MaximumMessageExpiryInterval = 0
	caps.MaximumPacketSize = MaxPacketBytes
	// mochi drops what does not fit in a client's outbound channel: the
	// retained picture a display gets when it subscribes must fit at once
	// (the queue behind it keeps one message per state topic, however slow
	// the display).
	caps.MaximumClientWritesPending = MaxClientWritesPending
	srv := mqtt.New(&mqtt.Options{
		Capabilities: caps,
		// Warnings come one per client event (a slow client's every dropped
		// message, a hostile client's every bad packet): a bounded rate of
		// them, the counters carry the totals.
		Logger: slog.New(newRateLimited(minLevel{slog.LevelWarn, log.Handler()}, 10*time.Second)).With("component", "broker"),
	})
	b := &Broker{srv: srv, gatewayUser: User{Name: "radiogw", Password: randomSecret(), Role: RoleGateway}}
	users := append([]User{b.gatewayUser}, opts.Users...)
	if err := srv.AddHook(&accessHook{auth: opts.Auth, users: users, root: opts.TopicRoot, srv: srv,
		onEvent: opts.OnEvent}, nil); err != nil {
		return nil, fmt.Errorf("broker: auth hook: %w", err)
	}

	if err := srv.AddHook(&flowHook{}, nil); err != nil {
		return nil, fmt.Errorf("broker: receive maximum hook: %w", err)
	}

	// A topic the broker retains carries state: a subscriber's queue keeps
	// only the newest QoS 0 message of each (see queuedConn).
	queues := queueConfig{superseded: &b.superseded, held: &b.flowHeld, isState: func(topic string) bool {
		_, ok := srv.Topics.Retained.Get(topic)
		return ok
	}}
	limits := opts.Limits
	limits.TimeoutEvent = EventConnectTimeout
	guard := func(ln net.Listener, id string) *netguard.Listener {
		g := netguard.Wrap(ln, "broker "+id, limits, func(e string) { opts.OnEvent(id, e) }, log)
		b.guards = append(b.guards, g)
		return g
	}
	tcp, err := newTCPListener(ListenerTCP, opts.Listen)
	if err != nil {
		return nil, listenError(opts.Listen, err)
	}
	tcp.ln = guard(tcp.ln, ListenerTCP)
	tcp.connectTimeout, tcp.onEvent, tcp.queues = opts.ConnectTimeout, opts.OnEvent, queues
	if err := srv.AddListener(tcp); err != nil {
		tcp.ln.Close()
		return nil, listenError(opts.Listen, err)
	}
	b.addr = tcp.Address()
	b.listeners = append(b.listeners, tcp)
	if opts.WebSocket != "" {
		ws, err := newWSListener(ListenerWS, opts.WebSocket, opts.AllowedOrigins)
		if err == nil {
			ws.ln = guard(ws.ln, ListenerWS)
			ws.connectTimeout, ws.onEvent, ws.queues = opts.ConnectTimeout, opts.OnEvent, queues
			ws.hosts = netguard.NewHosts(opts.AllowedHosts)
			if err = srv.AddListener(ws); err != nil {
				ws.ln.Close()
			}
		}
		if err != nil {
			srv.Close()
			return nil, listenError(opts.WebSocket, err)
		}
		b.wsAddr = ws.Address()
		b.listeners = append(b.listeners, ws)
	}
	go func() {
		if err := srv.Serve(); err != nil {
			log.Error("embedded broker stopped", "err", err)
		}
	}()
	return b, nil
}

func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("embedded broker: %s: %w", addr, ErrPortInUse)
	}
	return fmt.Errorf("embedded broker: listen %s: %w", addr, err)
}

// Accepting reports whether every listener is accepting connections: false
// while file descriptors are exhausted or after Close.
func (b *Broker) Accepting() bool {
	for _, g := range b.guards {
		if !g.Accepting() {
			return false
		}
	}
	return true
}

// Connections is the number of open connections on all listeners, logged in
// or not.
func (b *Broker) Connections() int {
	n := 0
	for _, g := range b.guards {
		n += g.Open()
	}
	return n
}

// Drops are messages the broker did not deliver to a subscriber that is too
// slow: InflightFull once it has MaximumInflight (8,192) QoS 1/2 messages
// unacknowledged, WritesPending once its outbound queue is full, and
// Superseded, state (QoS 0 on a retained topic) replaced by newer state on
// the same topic while it waited to be sent.
type Drops struct{ InflightFull, WritesPending, Superseded int64 }

// Dropped returns the drop totals since Start.
func (b *Broker) Dropped() Drops {
	return Drops{InflightFull: atomic.LoadInt64(&b.srv.Info.InflightDropped),
		WritesPending: atomic.LoadInt64(&b.srv.Info.MessagesDropped), Superseded: b.superseded.Load()}
}

// FlowHeld is how many QoS 1/2 messages waited in a client's queue because
// it had as many unacknowledged as its MQTT 5 Receive Maximum allows (see
// flowHook): normal flow control toward a client that reads slowly.
func (b *Broker) FlowHeld() int64 { return b.flowHeld.Load() }

// Addr is the TCP address clients connect to (tcp://host:port form).
func (b *Broker) Addr() string { return "tcp://" + b.addr }

// WebSocketAddr is the WebSocket listener address, or "".
func (b *Broker) WebSocketAddr() string { return b.wsAddr }

// GatewayLogin is the login radiogw's own publisher uses. The password is
// random per start and never leaves the process.
func (b *Broker) GatewayLogin() (user, password string) {
	return b.gatewayUser.Name, b.gatewayUser.Password
}

// Close stops the broker and disconnects every client.
//
// The listeners are stopped and drained first: mochi's Close waits on a
// WaitGroup that each new connection adds to, and a connection accepted
// while it waits would race with it.
//
// A second Close returns the first one's result: shutdown paths and tests
// may both close, and mochi's own Close panics when called twice.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() {
		for _, l := range b.listeners {
			l.stop()
		}
		for _, l := range b.listeners {
			l.drained(5 * time.Second)
		}
		b.closeErr = b.srv.Close()
	})
	return b.closeErr
}

func randomSecret() string {
	var buf [16]byte
	if _, err := rand.Read(buf[:]); err != nil {
		panic(fmt.Sprintf("broker: no randomness: %v", err))
	}
	return hex.EncodeToString(buf[:])
}

// accessHook authenticates clients and checks topic access by role.
type accessHook struct {
	mqtt.HookBase
	auth    bool
	users   []User
	root    string
	srv     *mqtt.Server
	onEvent func(listener, event string)
}

func (h *accessHook) ID() string { return "radiogw-access" }

func (h *accessHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnConnect, mqtt.OnConnectAuthenticate, mqtt.OnACLCheck}, []byte{b})
}

func (h *accessHook) user(cl *mqtt.Client) (User, bool) {
	name := string(cl.Properties.Username)
	for _, u := range h.users {
		if u.Name == name {
			return u, true
		}
	}
	return User{}, false
}

// OnConnect refuses a login whose Last Will it could not publish itself.
// mochi publishes a will without asking the ACL, so without this a display
// login (read only) could forge units, acknowledgements or radiogw's status
// by setting a will and dropping the connection. Refusing at CONNECT, as
// mosquitto does, tells the client at once instead of losing its will
// silently.
func (h *accessHook) OnConnect(cl *mqtt.Client, pk packets.Packet) error {
	if !pk.Connect.WillFlag || h.OnACLCheck(cl, pk.Connect.WillTopic, true) {
		return nil
	}
	h.onEvent(cl.Net.Listener, EventWillDenied)
	h.srv.SendConnack(cl, packets.ErrNotAuthorized, false, nil)
	return packets.ErrNotAuthorized
}

func (h *accessHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	u, ok := h.user(cl)
	if !h.mayTakeSession(cl, u) {
		return false
	}
	if ok {
		if u.Password == "" {
			return false // an empty secret (unset environment variable) must not open the door
		}
		// Constant time: the broker may listen beyond loopback.
		return subtle.ConstantTimeCompare([]byte(u.Password), pk.Connect.Password) == 1
	}
	return !h.auth
}

// mayTakeSession stops one login from taking over another login's client ID:
// MQTT gives a new connection with a known ID the old session and
// disconnects the old one, so a display using radiogw's own ID would knock
// radiogw off the broker. Only radiogw's gateway login may take any ID back.
func (h *accessHook) mayTakeSession(cl *mqtt.Client, u User) bool {
	old, exists := h.srv.Clients.Get(cl.ID)
	if !exists || old == cl || u.Role == RoleGateway {
		return true
	}
	return string(old.Properties.Username) == string(cl.Properties.Username)
}

func (h *accessHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	u, ok := h.user(cl)
	if !ok {
		return !h.auth // anonymous clients only exist when auth is off
	}
	if !write {
		return true
	}
	switch u.Role {
	case RoleGateway:
		return true
	case RoleDispatcher:
		return strings.HasPrefix(topic, h.root+"/commands/")
	}
	return false
}
