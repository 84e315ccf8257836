package source

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// tcpClient dials a device (a console or a terminal server) and reads it,
// redialling with backoff. Peer on its frames is the configured address.
type tcpClient struct {
	cfg Config
	em  *emitter

	mu   sync.Mutex // guards conn
	conn net.Conn
	wmu  sync.Mutex // one writer at a time, so a keepalive never splits a reply
}

func (c *tcpClient) Name() string { return c.cfg.Name }

// Run dials and reads until ctx is cancelled.
func (c *tcpClient) Run(ctx context.Context, h Hooks) error {
	h = h.withDefaults()
	return reconnect(ctx, c.cfg.Backoff, h, c.cfg.Address, false, func(ctx context.Context, up func()) error {
		return c.session(ctx, h, up)
	})
}

func (c *tcpClient) session(ctx context.Context, h Hooks, up func()) error {
	d := net.Dialer{Timeout: c.cfg.DialTimeout, KeepAliveConfig: tcpKeepAlive}
	conn, err := d.DialContext(ctx, "tcp", c.cfg.Address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", c.cfg.Address, err)
	}
	c.mu.Lock()
	c.conn = conn
	c.mu.Unlock()
	var wg sync.WaitGroup
	done := make(chan struct{})
	defer func() {
		c.mu.Lock()
		c.conn = nil
		c.mu.Unlock()
		conn.Close()
		close(done)
		wg.Wait()
	}()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	up()

	if c.cfg.KeepaliveEvery > 0 {
		wg.Go(func() { c.keepalive(conn, done) })
	}
	var before func()
	if c.cfg.ReadTimeout > 0 {
		before = func() { _ = conn.SetReadDeadline(time.Now().Add(c.cfg.ReadTimeout)) }
	}
	split, _ := Splitter(c.cfg.Framing, c.cfg.MaxFrame, h.Count)
	err = ReadFrames(conn, split, c.cfg.MaxFrame, func(b []byte, at time.Time) {
		c.em.emit(h, c.cfg.Address, b, at)
	}, before)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		h.Count("read_timeout")
		return fmt.Errorf("read %s: silent for %s: %w", c.cfg.Address, c.cfg.ReadTimeout, err)
	}
	return fmt.Errorf("read %s: %w", c.cfg.Address, err)
}

// keepalive writes the configured string every KeepaliveEvery. A failed
// write closes the connection, which ends the read and redials.
func (c *tcpClient) keepalive(conn net.Conn, done <-chan struct{}) {
	t := time.NewTicker(c.cfg.KeepaliveEvery)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if err := c.write(conn, []byte(c.cfg.Keepalive)); err != nil {
				conn.Close()
				return
			}
		}
	}
}

func (c *tcpClient) write(conn net.Conn, b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := conn.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout)); err != nil {
		return err
	}
	_, err := conn.Write(b)
	return err
}

// SendTo writes b to the current connection. peer must be empty or the
// configured address.
func (c *tcpClient) SendTo(peer string, b []byte) error {
	if peer != "" && peer != c.cfg.Address {
		return fmt.Errorf("send to %q: %w", peer, ErrUnknownPeer)
	}
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		return fmt.Errorf("send to %s: %w", c.cfg.Address, ErrNotConnected)
	}
	if err := c.write(conn, b); err != nil {
		return fmt.Errorf("send to %s: %w", c.cfg.Address, err)
	}
	return nil
}
