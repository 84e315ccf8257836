package broker

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// wsListener is an MQTT-over-WebSocket listener like mochi's own, with two
// differences: it checks the browser's Origin (mochi accepts any origin, so
// any web page open on a dispatch workstation could talk to a loopback
// broker), and it binds in Init so a taken port is reported by Start.
type wsListener struct {
	id      string
	ln      net.Listener
	srv     *http.Server
	allowed []string // extra origins, "scheme://host[:port]"; "*" allows any
	log     *slog.Logger
	once    sync.Once

	establish listeners.EstablishFn
	upgrader  websocket.Upgrader
	conns     connSet
}

func newWSListener(id, addr string, allowed []string) (*wsListener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	l := &wsListener{id: id, ln: ln, allowed: allowed}
	l.upgrader = websocket.Upgrader{Subprotocols: []string{"mqtt"}, CheckOrigin: l.originAllowed}
	return l, nil
}

func (l *wsListener) ID() string       { return l.id }
func (l *wsListener) Address() string  { return l.ln.Addr().String() }
func (l *wsListener) Protocol() string { return "ws" }

func (l *wsListener) Init(log *slog.Logger) error {
	l.log = log
	l.srv = &http.Server{Handler: http.HandlerFunc(l.handle), ReadHeaderTimeout: 10 * time.Second}
	return nil
}

func (l *wsListener) Serve(establish listeners.EstablishFn) {
	l.establish = establish
	if err := l.srv.Serve(l.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		l.log.Error("websocket listener stopped", "listener", l.id, "err", err)
	}
}

// Close stops the HTTP server and closes every MQTT connection itself (see
// connSet: mochi's closeClients can deadlock).
func (l *wsListener) Close(listeners.CloseFn) { l.stop() }

func (l *wsListener) stop() {
	l.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		l.conns.closeAll()
		if l.srv != nil {
			l.srv.Shutdown(ctx)
		} else {
			l.ln.Close()
		}
		l.conns.closeAll() // upgrades that finished during Shutdown
	})
}

func (l *wsListener) drained(within time.Duration) bool { return l.conns.drained(within) }

func (l *wsListener) handle(w http.ResponseWriter, r *http.Request) {
	c, err := l.upgrader.Upgrade(w, r, nil) // answers 403 itself when the origin is refused
	if err != nil {
		if l.log != nil {
			l.log.Warn("websocket connection refused", "remote", r.RemoteAddr, "origin", r.Header.Get("Origin"), "err", err)
		}
		return
	}
	defer c.Close()
	if !l.conns.add(c.UnderlyingConn()) {
		return
	}
	defer l.conns.remove(c.UnderlyingConn())
	if err := l.establish(l.id, guardConnect(&wsConn{Conn: c.UnderlyingConn(), c: c})); err != nil && l.log != nil {
		l.log.Debug("websocket client ended", "err", err)
	}
}

// originAllowed admits clients that send no Origin (not a browser, so not a
// page a dispatcher happened to open), pages served from the same host name
// as the broker (the wall map on radiogw's HTTP port), loopback pages talking
// to a loopback broker, and the configured extra origins.
func (l *wsListener) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	for _, a := range l.allowed {
		if a == "*" || strings.EqualFold(strings.TrimSuffix(a, "/"), origin) {
			return true
		}
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	oh, rh := u.Hostname(), hostOnly(r.Host)
	return strings.EqualFold(oh, rh) || (loopback(oh) && loopback(rh))
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// wsConn carries MQTT bytes in binary WebSocket messages as a net.Conn.
type wsConn struct {
	net.Conn
	c *websocket.Conn
	r io.Reader // the message being read, if any
}

var errTextFrame = errors.New("websocket: MQTT needs binary messages")

func (ws *wsConn) Read(p []byte) (int, error) {
	for {
		if ws.r == nil {
			op, r, err := ws.c.NextReader()
			if err != nil {
				return 0, err
			}
			if op != websocket.BinaryMessage {
				return 0, errTextFrame
			}
			ws.r = r
		}
		n, err := ws.r.Read(p)
		if errors.Is(err, io.EOF) {
			ws.r = nil
			if n == 0 {
				continue // an empty or finished message: read the next one
			}
			err = nil
		}
		return n, err
	}
}

func (ws *wsConn) Write(p []byte) (int, error) {
	if err := ws.c.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}
