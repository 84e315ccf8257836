package broker

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/gateway/testsvc"
)

const root = "radiogw/test"

func startBroker(t *testing.T, auth bool) *Broker {
	t.Helper()
	b, err := Start(Options{Listen: fmt.Sprintf("127.0.0.1:%d", testsvc.FreePort(t)),
		WebSocket: fmt.Sprintf("127.0.0.1:%d", testsvc.FreePort(t)), Auth: auth, TopicRoot: root,
		Users: []User{{Name: "wallmap", Password: "map-secret", Role: RoleDisplay},
			{Name: "disp", Password: "disp-secret", Role: RoleDispatcher}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

type client struct {
	paho.Client
	mu   sync.Mutex
	got  map[string][]byte
	seen []string
}

// connect logs in (user "" is anonymous) and subscribes to filter if given.
func connect(t *testing.T, url, user, pass, filter string) (*client, error) {
	t.Helper()
	c := &client{got: map[string][]byte{}}
	o := paho.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("%s-%d", user, time.Now().UnixNano())).
		SetUsername(user).SetPassword(pass).SetConnectTimeout(5 * time.Second)
	c.Client = paho.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		if tok.Error() == nil {
			return nil, errors.New("connect timed out")
		}
		return nil, tok.Error()
	}
	t.Cleanup(func() { c.Disconnect(50) })
	if filter != "" {
		st := c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
			c.mu.Lock()
			c.got[m.Topic()] = m.Payload()
			c.seen = append(c.seen, m.Topic())
			c.mu.Unlock()
		})
		if !st.WaitTimeout(5*time.Second) || st.Error() != nil {
			t.Fatalf("subscribe: %v", st.Error())
		}
	}
	return c, nil
}

func mustConnect(t *testing.T, url, user, pass, filter string) *client {
	t.Helper()
	c, err := connect(t, url, user, pass, filter)
	if err != nil {
		t.Fatalf("%s login: %v", user, err)
	}
	return c
}

func (c *client) has(topic string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.got[topic]
	return ok
}

func (c *client) pub(t *testing.T, topic, payload string) {
	t.Helper()
	tok := c.Publish(topic, 1, false, payload)
	tok.WaitTimeout(5 * time.Second) // a denied QoS 1 publish may still be acked; what matters is delivery
}

func wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// With auth on: anonymous and wrong passwords are refused; a display may
// subscribe but nothing it publishes arrives; a dispatcher may publish only
// under <root>/commands/; radiogw's own login publishes anything.
func TestRoles(t *testing.T) {
	b := startBroker(t, true)
	url := b.Addr()
	if _, err := connect(t, url, "", "", ""); err == nil {
		t.Errorf("anonymous client accepted with auth = true")
	}
	if _, err := connect(t, url, "wallmap", "wrong", ""); err == nil {
		t.Errorf("wrong password accepted")
	}
	if _, err := connect(t, url, "nobody", "map-secret", ""); err == nil {
		t.Errorf("unknown user accepted")
	}

	gwUser, gwPass := b.GatewayLogin()
	gw := mustConnect(t, url, gwUser, gwPass, root+"/commands/#")
	display := mustConnect(t, url, "wallmap", "map-secret", root+"/#")
	disp := mustConnect(t, url, "disp", "disp-secret", root+"/units/#")

	// A denied QoS 1 publish from an MQTT 3 client is answered by a
	// disconnect (MQTT 3 has no negative PUBACK); nothing reaches anyone.
	for _, f := range []struct{ user, pass, topic string }{
		{"wallmap", "map-secret", root + "/units/2A12"},
		{"wallmap", "map-secret", root + "/commands/emergency_ack"},
		{"disp", "disp-secret", root + "/units/2A13"},
		{"disp", "disp-secret", root + "/status"},
		{"disp", "disp-secret", "radiogw/other/commands/emergency_ack"},
	} {
		c := mustConnect(t, url, f.user, f.pass, "")
		c.pub(t, f.topic, `{"id":"e-1201-1"}`)
		wait(t, f.user+" disconnected after publishing to "+f.topic, func() bool { return !c.IsConnectionOpen() })
	}
	disp.pub(t, root+"/commands/emergency_clear", `{"id":"e-1201-1","by":"disp4"}`)
	gw.pub(t, root+"/units/2A14", `{"class":"unit"}`)

	wait(t, "dispatcher's command at radiogw", func() bool { return gw.has(root + "/commands/emergency_clear") })
	wait(t, "radiogw's unit state at the display", func() bool { return display.has(root + "/units/2A14") })
	wait(t, "radiogw's unit state at the dispatcher", func() bool { return disp.has(root + "/units/2A14") })
	time.Sleep(200 * time.Millisecond)
	for _, forged := range []string{root + "/units/2A12", root + "/units/2A13", root + "/status"} {
		if display.has(forged) {
			t.Errorf("forged %s reached the display", forged)
		}
	}
	if gw.has(root + "/commands/emergency_ack") {
		t.Errorf("a display's command reached radiogw")
	}
	if !display.IsConnectionOpen() || !disp.IsConnectionOpen() {
		t.Errorf("well-behaved clients were disconnected")
	}
}

// Without auth anyone may connect and publish (loopback demo mode).
func TestNoAuthAllowsAnonymous(t *testing.T) {
	b := startBroker(t, false)
	sub := mustConnect(t, b.Addr(), "", "", root+"/#")
	pub := mustConnect(t, b.Addr(), "", "", "")
	pub.pub(t, root+"/units/2A12", `{}`)
	wait(t, "anonymous publish", func() bool { return sub.has(root + "/units/2A12") })
}

// A browser-style client over WebSocket (ws://host:port/mqtt) logs in as a
// display and receives retained state published before it connected.
func TestWebSocketDisplay(t *testing.T) {
	b := startBroker(t, true)
	gwUser, gwPass := b.GatewayLogin()
	gw := mustConnect(t, b.Addr(), gwUser, gwPass, "")
	tok := gw.Publish(root+"/units/2A12", 1, true, `{"class":"unit","unit":"2A12"}`)
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	ws := "ws://" + b.WebSocketAddr() + "/mqtt"
	if _, err := connect(t, ws, "", "", ""); err == nil {
		t.Errorf("anonymous WebSocket client accepted with auth = true")
	}
	display := mustConnect(t, ws, "wallmap", "map-secret", root+"/#")
	wait(t, "retained unit over WebSocket", func() bool { return display.has(root + "/units/2A12") })
}

// A taken port is reported as ErrPortInUse, so the daemon can explain it.
func TestPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = Start(Options{Listen: l.Addr().String(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if !errors.Is(err, ErrPortInUse) {
		t.Fatalf("Start on a taken port: %v, want ErrPortInUse", err)
	}
}

// wsWithOrigin connects over WebSocket sending a browser's Origin header.
func wsWithOrigin(t *testing.T, b *Broker, origin string) error {
	t.Helper()
	o := paho.NewClientOptions().AddBroker("ws://" + b.WebSocketAddr() + "/mqtt").
		SetClientID(fmt.Sprintf("browser-%d", time.Now().UnixNano())).SetUsername("wallmap").SetPassword("map-secret").
		SetConnectTimeout(5 * time.Second).SetHTTPHeaders(http.Header{"Origin": {origin}})
	c := paho.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(5 * time.Second) {
		return errors.New("connect timed out")
	}
	if tok.Error() == nil {
		c.Disconnect(50)
	}
	return tok.Error()
}

// A page from another site cannot use the broker through a dispatcher's
// browser; the wall map (same host, or loopback to loopback) and configured
// origins can.
func TestWebSocketOrigin(t *testing.T) {
	b := startBroker(t, true)
	for _, origin := range []string{"http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"} {
		if err := wsWithOrigin(t, b, origin); err != nil {
			t.Errorf("origin %s refused: %v", origin, err)
		}
	}
	for _, origin := range []string{"http://evil.example", "https://wallmap.example:8443", "null", "file://"} {
		if err := wsWithOrigin(t, b, origin); err == nil {
			t.Errorf("origin %s accepted", origin)
		}
	}

	b2, err := Start(Options{Listen: fmt.Sprintf("127.0.0.1:%d", testsvc.FreePort(t)),
		WebSocket: fmt.Sprintf("127.0.0.1:%d", testsvc.FreePort(t)), Auth: true, TopicRoot: root,
		AllowedOrigins: []string{"https://wallmap.example:8443"},
		Users:          []User{{Name: "wallmap", Password: "map-secret", Role: RoleDisplay}},
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if err := wsWithOrigin(t, b2, "https://wallmap.example:8443"); err != nil {
		t.Errorf("configured origin refused: %v", err)
	}
	if err := wsWithOrigin(t, b2, "https://other.example"); err == nil {
		t.Errorf("unconfigured origin accepted")
	}
}

// A taken WebSocket port is reported by Start, like the TCP one.
func TestWebSocketPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = Start(Options{Listen: fmt.Sprintf("127.0.0.1:%d", testsvc.FreePort(t)), WebSocket: l.Addr().String(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if !errors.Is(err, ErrPortInUse) {
		t.Fatalf("Start with a taken WebSocket port: %v, want ErrPortInUse", err)
	}
}

// A user whose secret came out empty (an unset environment variable) cannot
// log in with an empty password.
func TestEmptyPasswordNeverLogsIn(t *testing.T) {
	b, err := Start(Options{Listen: fmt.Sprintf("127.0.0.1:%d", testsvc.FreePort(t)), Auth: true, TopicRoot: root,
		Users:  []User{{Name: "wallmap", Password: "", Role: RoleDisplay}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := connect(t, b.Addr(), "wallmap", "", ""); err == nil {
		t.Errorf("empty password accepted")
	}
}

// A client that announces a huge CONNECT is cut off at the header, before
// login and before any buffer of that size exists; a logged-in client's
// packet above MaxPacketBytes is refused the same way.
func TestOversizedPacketsRefused(t *testing.T) {
	b := startBroker(t, true)
	for _, header := range [][]byte{
		{0x10, 0xFF, 0xFF, 0xFF, 0x7F}, // CONNECT of 256 MiB
		{0x10, 0x81, 0x80, 0x04},       // CONNECT of 64 KiB + 1
	} {
		c, err := net.Dial("tcp", strings.TrimPrefix(b.Addr(), "tcp://"))
		if err != nil {
			t.Fatal(err)
		}
		c.Write(header)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 8)); err == nil || os.IsTimeout(err) {
			t.Errorf("CONNECT header % x: connection still open (%v)", header, err)
		}
		c.Close()
	}
	gwUser, gwPass := b.GatewayLogin()
	gw := mustConnect(t, b.Addr(), gwUser, gwPass, "")
	tok := gw.Publish(root+"/map", 1, true, make([]byte, MaxPacketBytes))
	tok.WaitTimeout(5 * time.Second)
	wait(t, "the oversized publisher disconnected", func() bool { return !gw.IsConnectionOpen() })
	display := mustConnect(t, b.Addr(), "wallmap", "map-secret", root+"/#")
	time.Sleep(200 * time.Millisecond)
	if display.has(root + "/map") {
		t.Errorf("an oversized packet was delivered")
	}
}

// Another login cannot take over a connected client's ID (and with it the
// session, disconnecting the owner); the same login may (a reconnect), and
// radiogw's own login always may.
func TestClientIDTakeover(t *testing.T) {
	b := startBroker(t, true)
	gwUser, gwPass := b.GatewayLogin()
	connectID := func(user, pass, id string) (paho.Client, error) {
		c := paho.NewClient(paho.NewClientOptions().AddBroker(b.Addr()).SetClientID(id).
			SetUsername(user).SetPassword(pass).SetConnectTimeout(5 * time.Second))
		tok := c.Connect()
		if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			return nil, fmt.Errorf("connect %s as %s: %v", id, user, tok.Error())
		}
		t.Cleanup(func() { c.Disconnect(50) })
		return c, nil
	}
	gw, err := connectID(gwUser, gwPass, "radiogw-test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := connectID("wallmap", "map-secret", "radiogw-test"); err == nil {
		t.Errorf("a display took radiogw's client ID")
	}
	time.Sleep(200 * time.Millisecond)
	if !gw.IsConnectionOpen() {
		t.Fatalf("radiogw was disconnected by a display using its client ID")
	}

	if _, err := connectID("wallmap", "map-secret", "wall-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := connectID("disp", "disp-secret", "wall-1"); err == nil {
		t.Errorf("a dispatcher took a display's client ID")
	}
	if _, err := connectID("wallmap", "map-secret", "wall-1"); err != nil {
		t.Errorf("the same login could not reconnect under its own ID: %v", err)
	}
	if _, err := connectID(gwUser, gwPass, "wall-1"); err != nil {
		t.Errorf("radiogw could not take an ID back: %v", err)
	}
}

// Close returns while clients come and go: mochi's own close path could
// deadlock on its client table under exactly this churn, hanging shutdown.
func TestCloseUnderClientChurn(t *testing.T) {
	for round := 0; round < 5; round++ {
		b, err := Start(Options{Listen: fmt.Sprintf("127.0.0.1:%d", testsvc.FreePort(t)),
			WebSocket: fmt.Sprintf("127.0.0.1:%d", testsvc.FreePort(t)), TopicRoot: root,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					url := b.Addr()
					if i%2 == 1 {
						url = "ws://" + b.WebSocketAddr() + "/mqtt"
					}
					c := paho.NewClient(paho.NewClientOptions().AddBroker(url).
						SetClientID(fmt.Sprintf("churn-%d-%d", i, n)).SetConnectTimeout(time.Second))
					if tok := c.Connect(); tok.WaitTimeout(time.Second) && tok.Error() == nil {
						c.Disconnect(0)
					}
				}
			}(i)
		}
		time.Sleep(200 * time.Millisecond)
		closed := make(chan struct{})
		go func() {
			b.Close()
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(20 * time.Second):
			t.Fatalf("round %d: broker Close hung with clients connecting and leaving", round)
		}
		close(stop)
		wg.Wait()
	}
}

// Shutdown paths may close the broker more than once; mochi's own Close
// panics on the second call.
func TestCloseTwice(t *testing.T) {
	b := startBroker(t, false)
	if err := b.Close(); err != nil {
		t.Fatalf("first close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}
