// Package session is a QoS 1 publisher over one MQTT 3.1.1 connection
// without a goroutine, token or timer per message: PUBLISH packets are
// encoded (mochi-mqtt's packets package) straight into a batch buffer, take
// their packet IDs from a fixed window, and go out in one write per batch;
// the reader settles PUBACKs in bulk, one callback per read. Messages not
// acknowledged when the connection is lost are kept and sent again, with
// DUP set and their packet IDs, first thing on the next connection.
//
// It only publishes: subscriptions, the will's owner and the reconnect
// policy stay with the caller, which dials the connection and hands it to
// Connect.
package session

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"
)

// Options configure a session.
type Options struct {
	ClientID  string
	Username  string
	Password  string
	KeepAlive time.Duration // PINGREQ when nothing was written for this long; 0: 30 s
	Window    int           // QoS 1 publishes in flight at most; 0: DefaultWindow
	// StallAfter ends the connection when Publish has waited this long for
	// room in a full window: a broker that answers pings but acknowledges
	// nothing must not hold the caller for good. 0: twice KeepAlive.
	StallAfter time.Duration
	Will       *Message // published by the broker if the connection dies (QoS 1)
}

// DefaultWindow is the default number of publishes awaiting their PUBACK.
const DefaultWindow = 4096

// Message is one QoS 1 publish. Tag comes back in the settle callback.
type Message struct {
	Topic   string
	Payload []byte
	Retain  bool
	Tag     uint64
}

// ErrRefused is returned by Connect when the broker's CONNACK refuses the
// login (a bad password, a client ID its policy does not allow).
var ErrRefused = errors.New("session: broker refused the connection")

// ErrNotConnected is returned by Publish between connections.
var ErrNotConnected = errors.New("session: not connected")

// slot is one packet ID of the window: the message it carries until acked.
type slot struct {
	used    bool
	seq     uint64 // publish order, for the resend after a reconnect
	topic   string
	payload []byte // a copy: callers reuse their buffers
	retain  bool
	tag     uint64
}

// Session publishes over one connection at a time.
type Session struct {
	opts    Options
	onAck   func(tags []uint64)
	mu      sync.Mutex
	room    sync.Cond // signalled when PUBACKs free slots or the connection ends
	conn    net.Conn
	done    chan struct{} // closed when the current connection ends
	err     error         // why it ended
	slots   []slot        // index = packet ID - 1
	free    []uint16      // free packet IDs, used as a stack
	seq     uint64
	buf     bytes.Buffer
	lastOut time.Time
}

// New returns a session; onAck is called from the reader goroutine with the
// tags of every publish one read of the connection acknowledged.
func New(opts Options, onAck func(tags []uint64)) *Session {
	if opts.Window <= 0 || opts.Window > 65535 {
		opts.Window = DefaultWindow
	}
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = 30 * time.Second
	}
	if opts.StallAfter <= 0 {
		opts.StallAfter = 2 * opts.KeepAlive
	}
	s := &Session{opts: opts, onAck: onAck, slots: make([]slot, opts.Window), done: make(chan struct{})}
	close(s.done) // not connected yet
	s.room.L = &s.mu
	for id := opts.Window; id >= 1; id-- {
		s.free = append(s.free, uint16(id))
	}
	return s
}

// Connect sends CONNECT (clean session) on conn, waits for CONNACK within
// ctx, re-sends every unacknowledged publish with DUP set, and starts the
// reader and the keep-alive. Done() is closed when this connection ends.
func (s *Session) Connect(ctx context.Context, conn net.Conn) error {
	var b bytes.Buffer
	pk := packets.Packet{ProtocolVersion: 4, FixedHeader: packets.FixedHeader{Type: packets.Connect}}
	pk.Connect.ProtocolName = []byte("MQTT")
	pk.Connect.Clean = true
	pk.Connect.ClientIdentifier = s.opts.ClientID
	pk.Connect.Keepalive = uint16(s.opts.KeepAlive / time.Second)
	if s.opts.Username != "" {
		pk.Connect.UsernameFlag, pk.Connect.Username = true, []byte(s.opts.Username)
	}
	if s.opts.Password != "" {
		pk.Connect.PasswordFlag, pk.Connect.Password = true, []byte(s.opts.Password)
	}
	if w := s.opts.Will; w != nil {
		pk.Connect.WillFlag, pk.Connect.WillQos, pk.Connect.WillRetain = true, 1, w.Retain
		pk.Connect.WillTopic, pk.Connect.WillPayload = w.Topic, w.Payload
	}
	if err := pk.ConnectEncode(&b); err != nil {
		return fmt.Errorf("session: encode connect: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	if _, err := conn.Write(b.Bytes()); err != nil {
		return fmt.Errorf("session: connect: %w", err)
	}
	r := bufio.NewReaderSize(conn, 64<<10)
	fh, body, err := readPacket(r)
	if err != nil {
		return fmt.Errorf("session: connack: %w", err)
	}
	if fh.Type != packets.Connack || len(body) < 2 {
		return fmt.Errorf("session: connack: got packet type %d", fh.Type)
	}
	if body[1] != 0 {
		return fmt.Errorf("%w (return code %d)", ErrRefused, body[1])
	}
	conn.SetDeadline(time.Time{})

	s.mu.Lock()
	s.conn, s.done, s.err = conn, make(chan struct{}), nil
	err = s.resend()
	done := s.done
	s.mu.Unlock()
	if err != nil {
		conn.Close()
		return err
	}
	go s.read(conn, r, done)
	go s.keepAlive(conn, done)
	return nil
}

// resend writes every unacknowledged publish again, oldest first, with DUP
// set and its packet ID, in one write. Called with mu held.
func (s *Session) resend() error {
	var ids []uint16
	for i := range s.slots {
		if s.slots[i].used {
			ids = append(ids, uint16(i+1))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sort.Slice(ids, func(a, b int) bool { return s.slots[ids[a]-1].seq < s.slots[ids[b]-1].seq })
	s.buf.Reset()
	for _, id := range ids {
		sl := &s.slots[id-1]
		if err := encodePublish(&s.buf, id, sl.topic, sl.payload, sl.retain, true); err != nil {
			return err
		}
	}
	return s.flush()
}

// Publish sends as many of msgs as the window has room for, in one write,
// and returns how many it took; with no room it waits for PUBACKs, or for
// the connection to end (ErrNotConnected, or the connection's error).
func (s *Session) Publish(msgs []Message) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.free) == 0 && s.conn != nil {
		s.waitRoom()
	}
	if s.conn == nil {
		return 0, s.notConnected()
	}
	s.buf.Reset()
	n := 0
	for ; n < len(msgs) && len(s.free) > 0; n++ {
		m := &msgs[n]
		id := s.free[len(s.free)-1]
		if err := encodePublish(&s.buf, id, m.Topic, m.Payload, m.Retain, false); err != nil {
			return n, err
		}
		s.free = s.free[:len(s.free)-1]
		s.seq++
		sl := &s.slots[id-1]
		sl.used, sl.seq, sl.topic, sl.retain, sl.tag = true, s.seq, m.Topic, m.Retain, m.Tag
		sl.payload = append(sl.payload[:0], m.Payload...)
	}
	// Taken messages stay in the window whatever the write does: a failed
	// write ends the connection, and they go again with DUP on the next one.
	return n, s.flush()
}

// waitRoom waits for a free packet ID or the end of the connection; after
// StallAfter without one it ends the connection itself. Called with mu held.
func (s *Session) waitRoom() {
	done := s.done
	stall := time.AfterFunc(s.opts.StallAfter, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.done == done && len(s.free) == 0 {
			s.lost(fmt.Errorf("session: no PUBACK for %v with %d publishes in flight", s.opts.StallAfter, len(s.slots)))
		}
	})
	defer stall.Stop()
	for len(s.free) == 0 && s.conn != nil {
		s.room.Wait()
	}
}

func (s *Session) notConnected() error {
	if s.err != nil {
		return fmt.Errorf("%w: %w", ErrNotConnected, s.err)
	}
	return ErrNotConnected
}

// flush writes the batch buffer. Called with mu held.
func (s *Session) flush() error {
	if s.buf.Len() == 0 {
		return nil
	}
	s.conn.SetWriteDeadline(time.Now().Add(s.opts.KeepAlive))
	_, err := s.conn.Write(s.buf.Bytes())
	s.lastOut = time.Now()
	if err != nil {
		s.lost(fmt.Errorf("session: write: %w", err))
		return s.notConnected()
	}
	return nil
}

// lost ends the current connection. Called with mu held.
func (s *Session) lost(err error) {
	if s.conn == nil {
		return
	}
	s.conn.Close()
	s.conn, s.err = nil, err
	close(s.done)
	s.room.Broadcast()
}

// Abandon empties the window between connections and returns the tags of
// the publishes it held, oldest first: for a caller that republishes its
// newest state after a reconnect instead of resending what was in flight.
// While connected it abandons nothing.
func (s *Session) Abandon() []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		return nil
	}
	type held struct{ seq, tag uint64 }
	var all []held
	for i := range s.slots {
		if sl := &s.slots[i]; sl.used {
			all = append(all, held{sl.seq, sl.tag})
			sl.used, sl.payload = false, sl.payload[:0]
			s.free = append(s.free, uint16(i+1))
		}
	}
	sort.Slice(all, func(a, b int) bool { return all[a].seq < all[b].seq })
	tags := make([]uint64, len(all))
	for i, h := range all {
		tags[i] = h.tag
	}
	return tags
}

// Connected reports whether a connection is up.
func (s *Session) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil
}

// Inflight is how many publishes await their PUBACK (kept across reconnects).
func (s *Session) Inflight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.slots) - len(s.free)
}

// Done is closed when the current connection ends; Err then says why.
func (s *Session) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done
}

// Err is why the last connection ended (nil after Close).
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close sends DISCONNECT (the broker then drops the will) and closes the
// connection. Unacknowledged publishes stay for a later Connect.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	s.buf.Reset()
	(&packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Disconnect}}).DisconnectEncode(&s.buf)
	s.conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, err := s.conn.Write(s.buf.Bytes())
	s.lost(nil)
	return err
}

// read settles PUBACKs: every complete packet of one read is parsed, and the
// acknowledged tags go to onAck in one call. A broker that sends nothing for
// one and a half keep-alive periods is gone (a ping is due every half
// period, so a live one answers): the connection ends, and so does a
// half-open one that would otherwise swallow publishes until the socket's
// buffer filled.
func (s *Session) read(conn net.Conn, r *bufio.Reader, done chan struct{}) {
	var tags []uint64
	silence := s.opts.KeepAlive * 3 / 2
	for {
		if r.Buffered() == 0 {
			conn.SetReadDeadline(time.Now().Add(silence))
		}
		fh, body, err := readPacket(r)
		if err != nil {
			s.mu.Lock()
			if s.done == done {
				s.lost(fmt.Errorf("session: read: %w", err))
			}
			s.mu.Unlock()
			return
		}
		if fh.Type == packets.Puback && len(body) >= 2 {
			id := uint16(body[0])<<8 | uint16(body[1])
			s.mu.Lock()
			if id >= 1 && int(id) <= len(s.slots) && s.slots[id-1].used {
				sl := &s.slots[id-1]
				sl.used = false
				tags = append(tags, sl.tag)
				s.free = append(s.free, id)
			}
			s.mu.Unlock()
		}
		// Settle once the buffered bytes are used up: one callback and one
		// wake-up of a waiting publisher per read, not per PUBACK.
		if r.Buffered() == 0 && len(tags) > 0 {
			s.mu.Lock()
			s.room.Broadcast()
			s.mu.Unlock()
			if s.onAck != nil {
				s.onAck(tags)
			}
			tags = tags[:0]
		}
	}
}

// keepAlive sends PINGREQ when nothing was written for KeepAlive/2.
func (s *Session) keepAlive(conn net.Conn, done chan struct{}) {
	t := time.NewTicker(s.opts.KeepAlive / 2)
	defer t.Stop()
	ping := []byte{packets.Pingreq << 4, 0}
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		if s.done == done && s.conn != nil && time.Since(s.lastOut) >= s.opts.KeepAlive/2 { // not after lost, which keeps done
			s.conn.SetWriteDeadline(time.Now().Add(s.opts.KeepAlive))
			if _, err := s.conn.Write(ping); err != nil {
				s.lost(fmt.Errorf("session: ping: %w", err))
			}
			s.lastOut = time.Now()
		}
		s.mu.Unlock()
	}
}

// encodePublish appends one QoS 1 PUBLISH packet to b.
func encodePublish(b *bytes.Buffer, id uint16, topic string, payload []byte, retain, dup bool) error {
	pk := packets.Packet{ProtocolVersion: 4, PacketID: id, TopicName: topic, Payload: payload,
		FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1, Retain: retain, Dup: dup}}
	if err := pk.PublishEncode(b); err != nil {
		return fmt.Errorf("session: encode publish %q: %w", topic, err)
	}
	return nil
}

// maxPacket bounds what the reader accepts from the broker.
const maxPacket = 1 << 20

// readPacket reads one packet: its fixed header and its body.
func readPacket(r *bufio.Reader) (packets.FixedHeader, []byte, error) {
	var fh packets.FixedHeader
	hb, err := r.ReadByte()
	if err != nil {
		return fh, nil, err
	}
	if err := fh.Decode(hb); err != nil {
		return fh, nil, err
	}
	n, mult := 0, 1
	for i := 0; ; i++ {
		c, err := r.ReadByte()
		if err != nil {
			return fh, nil, err
		}
		n += int(c&127) * mult
		if c&128 == 0 {
			break
		}
		if mult *= 128; i >= 3 {
			return fh, nil, errors.New("malformed remaining length")
		}
	}
	if n > maxPacket {
		return fh, nil, fmt.Errorf("packet of %d bytes from the broker", n)
	}
	fh.Remaining = n
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return fh, nil, err
	}
	return fh, body, nil
}
