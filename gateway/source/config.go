package source

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"go.bug.st/serial"
)

// Defaults applied by New.
const (
	DefaultMaxConns     = 64
	DefaultDialTimeout  = 10 * time.Second
	DefaultWriteTimeout = 5 * time.Second
	DefaultBaud         = 9600
)

// TCP keepalive on accepted and dialled connections cleans up half-open
// connections (a modem that lost power never sends FIN): probes after 30 s
// of silence, every 10 s, dead after 3 unanswered, about a minute in all
// instead of Linux's default two hours.
var tcpKeepAlive = net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second, Interval: 10 * time.Second, Count: 3}

// Transport types accepted in Config.Type.
const (
	TypeSerial    = "serial"
	TypeUDP       = "udp"
	TypeTCPClient = "tcp_client"
	TypeTCPListen = "tcp_listen"
)

// Serial startup policies.
const (
	StartupRetry = "retry"
	StartupFail  = "fail"
)

// New validates cfg, fills its defaults and builds the transport. Defaults:
// Framing "datagram" for udp and "line" otherwise; MaxFrame 4096;
// MaxConns 64; DialTimeout 10s; WriteTimeout 5s; Baud 9600, DataBits 8,
// Parity none, StopBits 1, Startup "retry"; Backoff 200ms doubling to 30s,
// reset after 10s up. IdleTimeout and ReadTimeout 0 mean "never".
//
// The returned Source also implements Sender for udp, tcp_client and
// tcp_listen, LineReader for serial, and interface{ Addr() net.Addr } for
// the listeners (the bound address, nil while not bound).
func New(cfg Config) (Source, error) {
	if err := cfg.normalize(); err != nil {
		if cfg.Name == "" {
			return nil, fmt.Errorf("source: %w", err)
		}
		return nil, fmt.Errorf("source %q: %w", cfg.Name, err)
	}
	allow, err := parseAllow(cfg.Allow)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", cfg.Name, err)
	}
	em := &emitter{name: cfg.Name}
	switch cfg.Type {
	case TypeSerial:
		mode, err := serialMode(cfg)
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", cfg.Name, err)
		}
		return &serialSource{cfg: cfg, em: em, mode: mode}, nil
	case TypeUDP:
		return &udpSource{cfg: cfg, em: em, allow: allow}, nil
	case TypeTCPClient:
		return &tcpClient{cfg: cfg, em: em}, nil
	default:
		return &tcpListener{cfg: cfg, em: em, allow: allow}, nil
	}
}

func (c *Config) normalize() error {
	if c.Name == "" {
		return errors.New("name is empty")
	}
	switch c.Type {
	case TypeSerial, TypeUDP, TypeTCPClient, TypeTCPListen:
	default:
		return fmt.Errorf("type %q: want serial, udp, tcp_client or tcp_listen", c.Type)
	}
	framing, maxFrame, err := SourceSchema().Frames(c.Type, c.Framing, c.MaxFrame)
	if err != nil {
		return err
	}
	c.Framing, c.MaxFrame = framing, maxFrame
	if _, err := Splitter(c.Framing, 1, nil); err != nil {
		return fmt.Errorf("framing: %w", err) // a framing in the schema without a splitter
	}
	for name, d := range map[string]time.Duration{
		"idle_timeout": c.IdleTimeout, "keepalive_every": c.KeepaliveEvery, "read_timeout": c.ReadTimeout,
		"dial_timeout": c.DialTimeout, "write_timeout": c.WriteTimeout,
	} {
		if d < 0 {
			return fmt.Errorf("%s %s: must not be negative", name, d)
		}
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	c.Backoff = c.Backoff.withDefaults()
	switch c.Type {
	case TypeUDP, TypeTCPListen:
		if c.Listen == "" {
			return errors.New("listen address is empty")
		}
		if c.Type == TypeTCPListen && c.MaxConns == 0 {
			c.MaxConns = DefaultMaxConns
		}
		if c.MaxConns < 0 {
			return fmt.Errorf("max_conns %d: must not be negative", c.MaxConns)
		}
	case TypeTCPClient:
		if c.Address == "" {
			return errors.New("address is empty")
		}
		if c.KeepaliveEvery > 0 && c.Keepalive == "" {
			return errors.New("keepalive_every is set but keepalive is empty")
		}
	case TypeSerial:
		if c.Device == "" {
			return errors.New("device is empty")
		}
		if c.Baud == 0 {
			c.Baud = DefaultBaud
		}
		if c.DataBits == 0 {
			c.DataBits = 8
		}
		if c.StopBits == 0 {
			c.StopBits = 1
		}
		c.Parity = strings.ToLower(c.Parity)
		if c.Parity == "" {
			c.Parity = "none"
		}
		if c.Startup == "" {
			c.Startup = StartupRetry
		}
		if c.Startup != StartupRetry && c.Startup != StartupFail {
			return fmt.Errorf("startup %q: want retry or fail", c.Startup)
		}
	}
	return nil
}

func serialMode(c Config) (*serial.Mode, error) {
	m := &serial.Mode{BaudRate: c.Baud, DataBits: c.DataBits}
	if c.Baud < 0 {
		return nil, fmt.Errorf("baud %d: must be positive", c.Baud)
	}
	if c.DataBits < 5 || c.DataBits > 8 {
		return nil, fmt.Errorf("data_bits %d: want 5..8", c.DataBits)
	}
	switch c.Parity {
	case "none", "n":
		m.Parity = serial.NoParity
	case "odd", "o":
		m.Parity = serial.OddParity
	case "even", "e":
		m.Parity = serial.EvenParity
	case "mark", "m":
		m.Parity = serial.MarkParity
	case "space", "s":
		m.Parity = serial.SpaceParity
	default:
		return nil, fmt.Errorf("parity %q: want none, odd, even, mark or space", c.Parity)
	}
	switch c.StopBits {
	case 1:
		m.StopBits = serial.OneStopBit
	case 2:
		m.StopBits = serial.TwoStopBits
	default:
		return nil, fmt.Errorf("stop_bits %d: want 1 or 2", c.StopBits)
	}
	return m, nil
}

// parseAllow accepts CIDRs and bare addresses (one host).
func parseAllow(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("allow %q: not a CIDR or address", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// allowed reports whether a may talk to a listener; an empty list allows all.
func allowed(list []netip.Prefix, a netip.Addr) bool {
	if len(list) == 0 {
		return true
	}
	a = a.Unmap()
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
