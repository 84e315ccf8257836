// Package source holds radiogw's transports: serial, UDP, TCP client and TCP
// listener, their framing, and one shared reconnect loop.
package source

import (
	"context"
	"net/netip"
	"time"

	"radiogw/gateway/frame"
)

// Source is one configured transport.
type Source interface {
	// Name is the configured source name.
	Name() string
	// Run reads until ctx is cancelled, reconnecting as its policy says. It
	// returns nil on cancellation and an error only for a fatal startup
	// failure (serial startup policy "fail").
	Run(ctx context.Context, h Hooks) error
}

// Sender is implemented by sources that can answer a peer (UDP replies to
// radios, TCP writes to a connection).
type Sender interface {
	SendTo(peer string, b []byte) error
}

// Admitter is implemented by senders whose allow list bounds where they
// send (SendTo refuses the rest with ErrDenied); asking first keeps refused
// replies from spending a rate limit.
type Admitter interface {
	Admits(addr netip.Addr) bool
}

// Hooks connect a source to the pipeline. Emit must not block for long: a
// source never waits on the pipeline. Hooks may be called from several
// goroutines (a listener serves each connection on its own), but Emit calls
// of one source are serialised, in Seq order. Nil hooks are ignored.
type Hooks struct {
	Emit func(frame.Frame)
	// Up and Down report a connection (or the port, or the listener) coming
	// up and going down. peer is empty for the source as a whole.
	Up   func(peer string)
	Down func(peer string, err error)
	// Count reports an event worth a counter: "reconnect", "oversize",
	// "denied", "read_error", "conn_rejected", ...
	Count func(what string)
	// Batch runs deliver, which emits the frames of one read (a
	// recvmmsg of many datagrams), so that the tracker takes them in one
	// step rather than waking for the first.
	Batch func(deliver func())
}

// Config is a transport's settings (the gateway translates HCL into it).
type Config struct {
	Type     string // serial, udp, tcp_client, tcp_listen
	Name     string
	Framing  string // line, stx_etx, taip, length_prefixed, datagram
	MaxFrame int

	Listen         string
	FreeBind       bool // bind even while the address is not (yet) on this host: a keepalived virtual IP
	Allow          []string
	MaxConns       int
	MaxPerPeer     int // tcp_listen: connections from one address; 0 means MaxConns
	IdleTimeout    time.Duration
	Address        string
	Keepalive      string
	KeepaliveEvery time.Duration
	ReadTimeout    time.Duration

	Device   string
	Baud     int
	DataBits int
	Parity   string
	StopBits int
	Startup  string

	// Optional tuning; zero values take the defaults documented in New.
	DialTimeout  time.Duration // tcp_client connect timeout
	WriteTimeout time.Duration // SendTo and keepalive writes
	Backoff      Backoff       // reconnect policy (serial, tcp_client, listeners' bind)
}

// Backoff is the reconnect policy: the wait before attempt n is drawn
// uniformly from [0, min(Max, Min*2^n)) ("full jitter", so a rack of
// gateways does not reconnect in lockstep). The exponent resets once a
// connection stayed up for ResetAfter.
type Backoff struct {
	Min, Max   time.Duration
	ResetAfter time.Duration
}
