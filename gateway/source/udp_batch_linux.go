package source

import (
	"context"
	"fmt"
	"net"
	"time"
)

// udpBatch is how many datagrams one recvmmsg call may return: at 100,000
// datagrams/s a full batch of 64 is under a millisecond of traffic. With
// the default max_frame (4 KiB) the buffers take 256 KiB per socket; for
// larger frames the batch shrinks to keep them near 1 MiB.
func udpBatch(size int) int {
	return min(64, max(8, 1<<20/size))
}

// read takes datagrams from the kernel in batches (recvmmsg): one system
// call and one clock read for everything queued, up to udpBatch. Each
// datagram still carries its own control message, so kernel drops are
// counted exactly as the one-at-a-time loop counts them.
func (s *udpSource) read(ctx context.Context, conn *net.UDPConn, h Hooks) error {
	overflow := enableOverflowCount(conn)
	oobSize := 0
	if overflow {
		oobSize = 64
	}
	sock, err := detachUDP(conn, s.cfg.WriteTimeout)
	if err != nil {
		return s.readEach(ctx, conn, h)
	}
	s.bound(conn, sock) // conn is closed now, but still knows its address (Addr)
	defer func() {
		s.bound(conn, nil)
		sock.close()
	}()
	r := newMmsgReader(udpBatch(s.cfg.MaxFrame+1), s.cfg.MaxFrame+1, oobSize)
	var drops dropCounter
	var drain udpDrain
	var pace udpPace
	peers := newPeerNames(maxPeerNames)
	// What one read brought, for deliver (bound once: no closure per read).
	var (
		n    int
		now  time.Time
		late bool
	)
	deliver := func() {
		for i := range n {
			dgram, addr, oob := r.message(i)
			if overflow {
				drops.observe(h, oob)
			}
			if late {
				h.Count(DiscardShutdown)
				continue
			}
			s.deliver(h, peers, addr, dgram, now)
		}
	}
	for {
		var err error
		n, err = r.read(sock)
		now = time.Now()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("read udp %s: %w", s.cfg.Listen, err)
		}
		if ctx.Err() != nil && drain.started.IsZero() {
			drain.more(sock, now) // shutdown: what the kernel holds is still read (udpDrain)
		} else if n == 0 && !drain.started.IsZero() && !drain.more(sock, now) {
			return nil // drained
		}
		if n == 0 {
			continue // the receive timeout: look at ctx again
		}
		late = drain.late(sock, now)
		h.Batch(deliver)
		gap := pace.next(n, now)
		if n < r.batch() && drain.started.IsZero() {
			// The socket is drained: what arrives in the next gap waits
			// in the kernel's buffer and is read in one call, not one
			// wake-up per datagram. A datagram after a quiet spell is
			// still read at once; a full batch (a backlog) reads on.
			if rest := gap - time.Since(now); rest > 0 {
				time.Sleep(rest)
			}
		}
	}
}

// udpPace chooses the time between two reads of a drained socket from the
// rate datagrams arrive at. Every read costs a tracker step, an outbox
// append, a publish round and their system calls, whatever it carries; the
// gap is long enough for a read to carry about udpPerRead datagrams, within
// [udpGapMin, udpGapMax]. At 1,000 datagrams/s that is a read every 10 ms
// instead of every 2; from 8,000/s on it stays at 2 ms, so a busy socket
// adds no more latency than before.
type udpPace struct{ last time.Time }

const (
	udpPerRead = 16
	udpGapMin  = 2 * time.Millisecond
	udpGapMax  = 10 * time.Millisecond
)

// next takes the n datagrams a read returned at now and returns the gap to
// leave before the next read.
func (p *udpPace) next(n int, now time.Time) time.Duration {
	since := now.Sub(p.last)
	p.last = now
	if n <= 0 || since <= 0 {
		return udpGapMin
	}
	return min(max(since*udpPerRead/time.Duration(n), udpGapMin), udpGapMax)
}
