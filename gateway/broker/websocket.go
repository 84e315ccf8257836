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

	"radiogw/gateway/netguard"
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
	logs    *netguard.Every
	once    sync.Once

	establish listeners.EstablishFn
	upgrader  websocket.Upgrader
	conns     connSet

	connectTimeout time.Duration
	onEvent        func(listener, event string)
	hosts          netguard.Hosts
	queues         queueConfig
}

func newWSListener(id, addr string, allowed []string) (*wsListener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	l := &wsListener{id: id, ln: ln, allowed: allowed, logs: netguard.NewEvery(10 * time.Second),
		connectTimeout: DefaultConnectTimeout, onEvent: func(string, string) {}}
	l.upgrader = websocket.Upgrader{Subprotocols: []string{"mqtt"}, CheckOrigin: l.originAllowed}
	return l, nil
}

func (l *wsListener) ID() string       { return l.id }
func (l *wsListener) Address() string  { return l.ln.Addr().String() }
func (l *wsListener) Protocol() string { return "ws" }

func (l *wsListener) Init(log *slog.Logger) error {
	l.log = log
	// The upgrade request gets the CONNECT timeout too: a client that
	// trickles its headers holds a slot no longer than one that says nothing.
	l.srv = &http.Server{Handler: http.HandlerFunc(l.handle), ReadHeaderTimeout: l.connectTimeout,
		ReadTimeout: l.connectTimeout, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelDebug)}
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
	if !l.hosts.Allowed(r.Host) {
		l.refuse(w, r, EventHostRefused, http.StatusMisdirectedRequest, "unknown host name")
		return
	}
	if !l.originAllowed(r) {
		l.refuse(w, r, EventOriginRefused, http.StatusForbidden, "origin not allowed")
		return
	}
	c, err := l.upgrader.Upgrade(w, r, nil)
	if err != nil {
		if n, ok := l.logs.Allow("upgrade"); ok && l.log != nil {
			l.log.Warn("websocket upgrade failed", "remote", r.RemoteAddr, "err", err, "suppressed", n)
		}
		return
	}
	defer c.Close()
	if !l.conns.add(c.UnderlyingConn()) {
		return
	}
	defer l.conns.remove(c.UnderlyingConn())
	c.UnderlyingConn().SetReadDeadline(time.Now().Add(l.connectTimeout))
	conn := &wsConn{Conn: c.UnderlyingConn(), c: c}
	if err := establishAfterConnect(l.establish, l.id, conn, c.UnderlyingConn(), l.queues, l.onEvent); err != nil && l.log != nil {
		l.log.Debug("websocket client ended", "err", err)
	}
}

// refuse answers a refused upgrade, counted, logged at a bounded rate.
func (l *wsListener) refuse(w http.ResponseWriter, r *http.Request, event string, code int, msg string) {
	l.onEvent(l.id, event)
	if n, ok := l.logs.Allow(event); ok && l.log != nil {
		l.log.Warn("websocket connection refused", "remote", r.RemoteAddr, "host", r.Host,
			"origin", r.Header.Get("Origin"), "reason", event, "suppressed", n)
	}
	http.Error(w, msg, code)
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
