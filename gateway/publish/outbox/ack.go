package outbox

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
)

// Ack records that the destination has every entry up to and including upTo.
// Fully acknowledged segment files are deleted.
func (o *Outbox) Ack(upTo uint64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return ErrClosed
	}
	upTo = min(upTo, o.next-1)
	if upTo <= o.acked {
		return nil
	}
	keep := o.segs[:0]
	var err error
	for i, s := range o.segs {
		last := i == len(o.segs)-1
		switch {
		case err != nil || s.n == 0 && s.last > upTo || s.first > upTo:
			keep = append(keep, s)
		case s.last <= upTo:
			o.ackedN += uint64(s.n)
			s.reset()
			s.head = s.size
			if last {
				keep = append(keep, s)
				continue
			}
			if rerr := os.Remove(s.path); rerr != nil {
				err = fmt.Errorf("outbox: ack: %w", rerr)
				keep = append(keep, s)
			}
		default:
			err = o.ackPart(s, upTo)
			keep = append(keep, s)
		}
	}
	o.segs = keep
	if err != nil {
		return err
	}
	defer o.keepReserve() // acknowledged segments were deleted: room again
	o.acked = upTo
	// Start afresh once the active file is all acknowledged and big enough to bother.
	if s := o.active(); s.n == 0 && s.size >= 64<<10 {
		if err := o.newSegment(); err != nil {
			return err
		}
		o.removeSeg(s)
		if err := os.Remove(s.path); err != nil {
			return fmt.Errorf("outbox: ack: %w", err)
		}
	}
	return o.writeAck()
}

// ackPart advances a segment's head past records up to upTo.
func (o *Outbox) ackPart(s *segment, upTo uint64) error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("outbox: ack: %w", err)
	}
	defer f.Close()
	sc, err := newScanner(f, s.head)
	if err != nil {
		return fmt.Errorf("outbox: ack: %w", err)
	}
	// Read only up to the first record still pending, so the cost follows
	// what was acknowledged, not the segment size.
	for sc.off < s.size && sc.next() {
		r := &sc.rec
		if r.index > upTo {
			// Appends are in time order, so this record's append time is
			// the oldest left, and a lower bound for the oldest position
			// (enough for the age policy, which only needs to know when to look).
			s.oldest = r.appended
			s.oldestPos = max(s.oldestPos, r.appended)
			break
		}
		s.head = sc.off
		s.n--
		s.bytes -= r.size
		if r.class == ClassPosition {
			s.nPos--
		}
		o.ackedN++
	}
	if sc.err != nil {
		return fmt.Errorf("outbox: ack %s: %w", s.path, sc.err)
	}
	return nil
}

// The ack file holds two slots, each the acknowledged index and its
// checksum; updates alternate between them and are written in place, so
// recording an acknowledgement needs no new disk block (it works on a full
// disk) and a torn write spoils only the slot being written. Losing an
// update only means re-sending entries, which sinks make idempotent.
const ackSlot = 12

// writeAck records o.acked in the ack file Open opened (openAck).
func (o *Outbox) writeAck() error {
	var b [ackSlot]byte
	binary.LittleEndian.PutUint64(b[:], o.acked)
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b[:8], castagnoli))
	o.ackTurn ^= 1
	if _, err := o.ackF.WriteAt(b[:], int64(o.ackTurn)*ackSlot); err != nil {
		return fmt.Errorf("outbox: ack: %w", err)
	}
	if o.opts.Fsync == FsyncAlways {
		if err := o.ackF.Sync(); err != nil {
			return fmt.Errorf("outbox: ack: %w", err)
		}
	}
	return nil
}

// readAck returns the highest valid slot of the ack file (a file of one
// slot is the format before two), or 0.
func readAck(path string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	var best uint64
	for off := 0; off+ackSlot <= len(b) && off < 2*ackSlot; off += ackSlot {
		s := b[off : off+ackSlot]
		if crc32.Checksum(s[:8], castagnoli) == binary.LittleEndian.Uint32(s[8:]) {
			best = max(best, binary.LittleEndian.Uint64(s))
		}
	}
	return best
}

// AckWhole acknowledges up to upTo whole segments only: it never reads a
// file, so it holds the lock for no time (Ack of a point inside a segment
// scans it). Entries up to upTo in the segment still being written stay
// unacknowledged; a reader that knows upTo skips them (Scan after upTo).
func (o *Outbox) AckWhole(upTo uint64) error {
	o.mu.Lock()
	limit := uint64(0)
	for i, s := range o.segs {
		if i == len(o.segs)-1 || s.last > upTo {
			break
		}
		limit = max(limit, s.last)
	}
	o.mu.Unlock()
	if limit == 0 {
		return nil
	}
	return o.Ack(limit)
}
