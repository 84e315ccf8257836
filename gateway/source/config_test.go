package source

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestNewDefaults(t *testing.T) {
	src, err := New(Config{Type: TypeSerial, Name: "gps", Device: "/dev/serial/by-id/usb-x"})
	if err != nil {
		t.Fatal(err)
	}
	s := src.(*serialSource)
	c := s.cfg
	if c.Framing != FramingLine || c.MaxFrame != DefaultMaxFrame || c.Baud != 9600 || c.DataBits != 8 ||
		c.StopBits != 1 || c.Parity != "none" || c.Startup != StartupRetry || c.Backoff.Max != 30*time.Second {
		t.Fatalf("serial defaults: %+v", c)
	}
	if src.Name() != "gps" {
		t.Fatalf("Name %q", src.Name())
	}
	if _, ok := src.(LineReader); !ok {
		t.Fatal("serial source is not a LineReader")
	}

	u, err := New(Config{Type: TypeUDP, Name: "lrrp", Listen: ":4001"})
	if err != nil {
		t.Fatal(err)
	}
	if u.(*udpSource).cfg.Framing != FramingDatagram {
		t.Fatal("udp framing does not default to datagram")
	}
	l, err := New(Config{Type: TypeTCPListen, Name: "m", Listen: ":5000"})
	if err != nil {
		t.Fatal(err)
	}
	if l.(*tcpListener).cfg.MaxConns != DefaultMaxConns {
		t.Fatal("max conns default")
	}
	for _, s := range []Source{u, l} {
		if _, ok := s.(Sender); !ok {
			t.Fatalf("%s is not a Sender", s.Name())
		}
	}
	c2, err := New(Config{Type: TypeTCPClient, Name: "c", Address: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c2.(Sender); !ok {
		t.Fatal("tcp client is not a Sender")
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Type: TypeUDP, Listen: ":1"}, "name is empty"},
		{Config{Type: "modbus", Name: "x"}, "type"},
		{Config{Type: TypeUDP, Name: "x"}, "listen"},
		{Config{Type: TypeUDP, Name: "x", Listen: ":1", Framing: FramingLine}, "datagram"},
		{Config{Type: TypeTCPListen, Name: "x", Listen: ":1", Framing: FramingDatagram}, "datagram"},
		{Config{Type: TypeTCPListen, Name: "x", Listen: ":1", Framing: "cobs"}, "framing"},
		{Config{Type: TypeTCPListen, Name: "x", Listen: ":1", MaxFrame: 2 << 20}, "max_frame"},
		{Config{Type: TypeTCPListen, Name: "x", Listen: ":1", Framing: FramingLength, MaxFrame: 70000}, "max_frame"},
		{Config{Type: TypeUDP, Name: "x", Listen: ":1", MaxFrame: 70000}, "max_frame"},
		{Config{Type: TypeTCPListen, Name: "x", Listen: ":1", Allow: []string{"10.0.0.0/33"}}, "allow"},
		{Config{Type: TypeTCPListen, Name: "x", Listen: ":1", IdleTimeout: -time.Second}, "idle_timeout"},
		{Config{Type: TypeTCPListen, Name: "x", Listen: ":1", MaxConns: -1}, "max_conns"},
		{Config{Type: TypeTCPClient, Name: "x"}, "address"},
		{Config{Type: TypeTCPClient, Name: "x", Address: "h:1", KeepaliveEvery: time.Second}, "keepalive"},
		{Config{Type: TypeSerial, Name: "x"}, "device"},
		{Config{Type: TypeSerial, Name: "x", Device: "/dev/x", Parity: "weird"}, "parity"},
		{Config{Type: TypeSerial, Name: "x", Device: "/dev/x", DataBits: 9}, "data_bits"},
		{Config{Type: TypeSerial, Name: "x", Device: "/dev/x", StopBits: 3}, "stop_bits"},
		{Config{Type: TypeSerial, Name: "x", Device: "/dev/x", Startup: "maybe"}, "startup"},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want an error about %q", tt.cfg, err, tt.want)
		}
	}
}

func TestAllowList(t *testing.T) {
	list, err := parseAllow([]string{"10.20.0.0/16", "192.0.2.7", "2001:db8::/32"})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"10.20.3.4": true, "10.21.0.1": false, "192.0.2.7": true, "192.0.2.8": false,
		"::ffff:10.20.0.1": true, "2001:db8::5": true, "2001:db9::5": false,
	} {
		if got := allowed(list, netip.MustParseAddr(addr)); got != want {
			t.Errorf("allowed(%s) = %v, want %v", addr, got, want)
		}
	}
	if !allowed(nil, netip.MustParseAddr("1.2.3.4")) {
		t.Error("an empty allow list must allow all")
	}
}
