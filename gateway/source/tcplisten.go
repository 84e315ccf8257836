package source

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
)

// tcpListener accepts connections from devices; each connection has its own
// framing state and its remote "ip:port" as Peer.
type tcpListener struct {
	cfg   Config
	em    *emitter
	allow []netip.Prefix

	mu     sync.Mutex
	ln     net.Listener
	conns  map[string]net.Conn // by peer
	byAddr map[netip.Addr]int  // open connections by remote address
}

// ErrUnknownPeer is returned by SendTo for a peer with no open connection.
var ErrUnknownPeer = errors.New("no connection to peer")

// acceptRetry paces Accept after a transient failure (out of fds).
const acceptRetry = 50 * time.Millisecond

func (l *tcpListener) Name() string { return l.cfg.Name }

// Addr is the bound address, nil while not listening.
func (l *tcpListener) Addr() net.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln == nil {
		return nil
	}
	return l.ln.Addr()
}

// Run listens (retrying with backoff if the port is taken) and serves
// connections until ctx is cancelled; it returns after every connection
// goroutine has ended.
func (l *tcpListener) Run(ctx context.Context, h Hooks) error {
	h = h.withDefaults()
	return reconnect(ctx, l.cfg.Backoff, h, "", false, func(ctx context.Context, up func()) error {
		return l.session(ctx, h, up)
	})
}

func (l *tcpListener) session(ctx context.Context, h Hooks, up func()) error {
	lc := net.ListenConfig{KeepAliveConfig: tcpKeepAlive, Control: bindControl(l.cfg.FreeBind)} // keepalive applies to accepted conns
	ln, err := lc.Listen(ctx, "tcp", l.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen tcp %s: %w", l.cfg.Listen, err)
	}
	l.mu.Lock()
	l.ln = ln
	l.conns = make(map[string]net.Conn)
	l.byAddr = make(map[netip.Addr]int)
	l.mu.Unlock()
	var wg sync.WaitGroup
	defer func() {
		l.mu.Lock()
		l.ln = nil
		ln.Close()
		for _, c := range l.conns {
			c.Close()
		}
		l.mu.Unlock()
		wg.Wait()
	}()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	up()

	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("accept on %s: %w", l.cfg.Listen, err)
			}
			h.Count("accept_error")
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(acceptRetry):
			}
			continue
		}
		ap := remoteAddrPort(conn)
		if !allowed(l.allow, ap.Addr()) {
			h.Count("denied")
			conn.Close()
			continue
		}
		peer := peerString(ap)
		l.mu.Lock()
		if len(l.conns) >= l.cfg.MaxConns {
			l.mu.Unlock()
			h.Count("conn_rejected")
			conn.Close()
			continue
		}
		// One address may not take every slot: a second one must still get in.
		addr := ap.Addr().Unmap()
		if per := l.cfg.MaxPerPeer; per > 0 && l.byAddr[addr] >= per {
			l.mu.Unlock()
			h.Count("peer_conn_rejected")
			conn.Close()
			continue
		}
		l.conns[peer] = conn
		l.byAddr[addr]++
		l.mu.Unlock()
		wg.Go(func() { l.serve(ctx, h, conn, peer, addr) })
	}
}

// serve reads one connection until it ends, idles out or the listener stops.
func (l *tcpListener) serve(ctx context.Context, h Hooks, conn net.Conn, peer string, addr netip.Addr) {
	h.Up(peer)
	var before func()
	if l.cfg.IdleTimeout > 0 {
		before = func() { _ = conn.SetReadDeadline(time.Now().Add(l.cfg.IdleTimeout)) }
	}
	split, _ := Splitter(l.cfg.Framing, l.cfg.MaxFrame, h.Count)
	err := ReadFrames(conn, split, l.cfg.MaxFrame, func(b []byte, at time.Time) {
		l.em.emit(h, peer, b, at)
	}, before)
	l.mu.Lock()
	// A peer's port can be reused at once (a reset leaves no TIME_WAIT): the
	// entry may already belong to its successor, which must stay reachable.
	if l.conns[peer] == conn {
		delete(l.conns, peer)
	}
	if l.byAddr[addr]--; l.byAddr[addr] <= 0 {
		delete(l.byAddr, addr)
	}
	l.mu.Unlock()
	conn.Close()
	switch {
	case ctx.Err() != nil:
		err = nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		h.Count("idle_close")
		err = fmt.Errorf("read %s: idle for %s: %w", peer, l.cfg.IdleTimeout, err)
	default:
		err = fmt.Errorf("read %s: %w", peer, err)
	}
	h.Down(peer, err)
}

// SendTo writes b to the open connection from peer ("ip:port" as in
// Frame.Peer).
func (l *tcpListener) SendTo(peer string, b []byte) error {
	l.mu.Lock()
	conn := l.conns[peer]
	l.mu.Unlock()
	if conn == nil {
		return fmt.Errorf("send to %s: %w", peer, ErrUnknownPeer)
	}
	if err := conn.SetWriteDeadline(time.Now().Add(l.cfg.WriteTimeout)); err != nil {
		return fmt.Errorf("send to %s: %w", peer, err)
	}
	if _, err := conn.Write(b); err != nil {
		return fmt.Errorf("send to %s: %w", peer, err)
	}
	return nil
}

func remoteAddrPort(c net.Conn) netip.AddrPort {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort()
	}
	ap, _ := netip.ParseAddrPort(c.RemoteAddr().String())
	return ap
}
