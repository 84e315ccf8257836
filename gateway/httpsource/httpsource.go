// Package httpsource is the "http" source type: an HTTP listener that takes
// one device report per request (OsmAnd / Traccar Client) and hands it on
// as a frame for the source's codec. gateway/source has no HTTP server, so
// this source type is a room of its own.
package httpsource

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"radiogw/gateway/frame"
	"radiogw/gateway/ratelog"
	"radiogw/gateway/source"
	"radiogw/hcl"
)

// Source is an HTTP listener that takes one report per request: the
// OsmAnd protocol of the Traccar Client app and many trackers
// (GET/POST /?id=...&lat=...). Each request's parameters become one frame
// for the source's codec.
type Source struct {
	cfg      hcl.Source
	freeBind bool // one of an active/standby pair: bind the virtual IP before it is here
	allow    []*net.IPNet
	token    string
	log      *slog.Logger
	logs     *ratelog.Limiter // refusals: the first logged, then at most one per 10 s with a count
	seq      atomic.Uint64
	emit     sync.Mutex // Emit calls of one source are serialised, in Seq order
}

// New builds the source of configuration block s; pair binds the listen
// address before it is local (the virtual IP of an active/standby pair).
func New(s hcl.Source, pair bool, logger *slog.Logger) (*Source, error) {
	h := &Source{cfg: s, token: s.Token.Value(), freeBind: pair, log: logger, logs: ratelog.New(10 * time.Second)}
	for _, c := range s.Allow {
		_, n, err := net.ParseCIDR(c)
		if err != nil {
			return nil, fmt.Errorf("source %q: allow %q: %w", s.Name, c, err)
		}
		h.allow = append(h.allow, n)
	}
	return h, nil
}

func (h *Source) Name() string { return h.cfg.Name }

// Run serves until ctx ends; a listener that cannot bind is retried every
// few seconds, like the other listeners.
func (h *Source) Run(ctx context.Context, hk source.Hooks) error {
	for {
		ln, err := source.ListenTCP(ctx, h.cfg.Listen, h.freeBind)
		if err != nil {
			hk.Down("", fmt.Errorf("listen %s: %w", h.cfg.Listen, err))
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(5 * time.Second):
				hk.Count("reconnect")
				continue
			}
		}
		srv := &http.Server{Handler: h.handler(hk), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
			WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 16 << 10,
			ErrorLog: log.New(io.Discard, "", 0)} // bad requests are counted, not logged per request
		hk.Up("")
		stop := context.AfterFunc(ctx, func() { srv.Close() })
		err = srv.Serve(&limitListener{Listener: ln, slots: make(chan struct{}, max(h.cfg.MaxConns, 1)), count: hk.Count})
		stop()
		if ctx.Err() != nil || errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		hk.Down("", err)
	}
}

func (h *Source) handler(hk source.Hooks) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		ip := net.ParseIP(host)
		if !h.allowed(ip) {
			h.refuse(w, hk, r, "denied", "forbidden", http.StatusForbidden)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			h.refuse(w, hk, r, source.DiscardBadRequest, "use GET or POST", http.StatusMethodNotAllowed)
			return
		}
		var body []byte
		if r.Method == http.MethodPost {
			var err error
			if body, err = io.ReadAll(io.LimitReader(r.Body, int64(h.cfg.MaxFrame)+1)); err != nil {
				h.refuse(w, hk, r, "read_error", "read error", http.StatusBadRequest)
				return
			}
		}
		data, token, discard := source.HTTPReport(r.Method, r.Header.Get("Content-Type"), r.URL.RawQuery, body, h.cfg.MaxFrame)
		switch discard {
		case source.DiscardOversize:
			h.refuse(w, hk, r, discard, "report too large", http.StatusRequestEntityTooLarge)
			return
		case source.DiscardBadRequest:
			h.refuse(w, hk, r, discard, "malformed parameters", http.StatusBadRequest)
			return
		}
		if !h.authorized(r, token) {
			h.refuse(w, hk, r, "unauthorized", "missing or wrong token", http.StatusUnauthorized)
			return
		}
		h.emit.Lock()
		hk.Emit(frame.Frame{Source: h.cfg.Name, Seq: h.seq.Add(1), Peer: host, Received: time.Now(), Data: data})
		h.emit.Unlock()
		// 200 also for a report that does not decode (counted in
		// radiogw_decode_errors_total): a client retries anything else forever.
		w.Write([]byte("OK\n"))
	})
}

// refuse answers a request with an error, counts it and logs it at a sane
// rate (never the token or the parameters).
func (h *Source) refuse(w http.ResponseWriter, hk source.Hooks, r *http.Request, event, msg string, code int) {
	hk.Count(event)
	if n, ok := h.logs.Allow(); ok && h.log != nil {
		h.log.Warn("http source refused a request", "source", h.cfg.Name, "peer", r.RemoteAddr, "reason", event,
			"status", code, "suppressed", n)
	}
	http.Error(w, msg, code)
}

// authorized checks the configured token against a bearer header or param.
func (h *Source) authorized(r *http.Request, param string) bool {
	if h.token == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		got = param
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(h.token)) == 1
}

func (h *Source) allowed(ip net.IP) bool {
	if len(h.allow) == 0 {
		return true
	}
	for _, n := range h.allow {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// limitListener holds at most cap(slots) connections (max_conns) open: the
// next is accepted only when one closes (counted as conn_rejected when it
// has to wait), so a flood of idle connections cannot exhaust file
// descriptors; the server's timeouts close idle ones.
type limitListener struct {
	net.Listener
	slots chan struct{}
	count func(string)
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	default:
		l.count("conn_rejected") // full: this one waits for a slot
		l.slots <- struct{}{}
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &slotConn{Conn: c, release: func() { <-l.slots }}, nil
}

type slotConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
