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
	r, err := newMmsgReader(conn, udpBatch(s.cfg.MaxFrame+1), s.cfg.MaxFrame+1, oobSize)
	if err != nil {
		return s.readEach(ctx, conn, h)
	}
	var drops dropCounter
	var drain udpDrain
	peers := newPeerNames(maxPeerNames)
	for {
		n, err := r.read()
		now := time.Now()
		if err != nil {
			if ctx.Err() != nil {
				if drain.more(conn, now) {
					continue
				}
				return nil
			}
			return fmt.Errorf("read udp %s: %w", s.cfg.Listen, err)
		}
		late := drain.late(conn, now)
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
		if n < r.batch() && drain.started.IsZero() {
			// The socket is drained: what arrives in the next udpGap
			// waits in the kernel's buffer and is read in one call, not
			// one wake-up per datagram. A datagram after a quiet spell is
			// still read at once; a full batch (a backlog) reads on.
			if rest := udpGap - time.Since(now); rest > 0 {
				time.Sleep(rest)
			}
		}
	}
}

// udpGap is the shortest time between two reads of a drained socket. At
// 1,000 datagrams a second a wake-up per datagram (and the tracker step it
// triggered) was most of radiogw's CPU; 2 ms is within the tracker's own
// step gap, so it adds no step and at most 2 ms to a report.
const udpGap = 2 * time.Millisecond
