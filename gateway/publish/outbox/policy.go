package outbox

import (
	"bufio"
	"fmt"
	"os"
	"time"
)

// enforce applies the overflow policy after an append:
//
//  1. positions appended longer than MaxAge ago are dropped ("age_position"),
//     looked for at most every MaxAge/64;
//  2. when the unacknowledged bytes exceed MaxBytes, the oldest positions are
//     dropped ("cap_position") down to the low-water mark: MaxBytes less one
//     segment (at most 1/8 of MaxBytes). Dropping rewrites a segment, so it
//     happens once per segment's worth of appends, not at every append;
//  3. if only events are left and the cap is still exceeded, the oldest events
//     are dropped ("cap_event") and ErrOverflow is returned so the runtime
//     raises an alarm.
//
// Events are never dropped for age.
func (o *Outbox) enforce(now time.Time) error {
	if o.opts.MaxAge > 0 && now.Sub(o.ageChecked) >= o.opts.MaxAge/64 {
		o.ageChecked = now
		cutoff := now.Add(-o.opts.MaxAge).UnixNano()
		for i := 0; i < len(o.segs); i++ {
			s := o.segs[i]
			if s.n > 0 && s.oldest >= cutoff {
				break
			}
			if s.nPos == 0 || s.oldestPos >= cutoff {
				continue
			}
			old := func(r *record) bool { return r.class == ClassPosition && r.appended < cutoff }
			if err := o.compact(s, old, DropAgePosition); err != nil {
				return err
			}
			i = o.indexOf(s) // the segment may have been removed
		}
	}
	if o.opts.MaxBytes <= 0 {
		return nil
	}
	if o.bytes() <= o.opts.MaxBytes {
		return nil
	}
	lowWater := o.opts.MaxBytes - min(o.segBytes, o.opts.MaxBytes/8)
	var lostEvents uint64
	for {
		s, reason := o.oldestWith(true), DropCapPosition
		target := lowWater
		if s == nil {
			// Only events left: lose as few as possible.
			s, reason, target = o.oldestWith(false), DropCapEvent, o.opts.MaxBytes
		}
		excess := o.bytes() - target
		if s == nil || excess <= 0 {
			break
		}
		freed := int64(0)
		drop := func(r *record) bool {
			if freed >= excess || (reason == DropCapPosition && r.class != ClassPosition) {
				return false
			}
			freed += r.size
			if r.class == ClassEvent {
				lostEvents++
			}
			return true
		}
		if err := o.compact(s, drop, reason); err != nil {
			return err
		}
	}
	if lostEvents > 0 {
		return fmt.Errorf("%w: %d events over the %d-byte cap", ErrOverflow, lostEvents, o.opts.MaxBytes)
	}
	return nil
}

func (o *Outbox) bytes() int64 {
	var n int64
	for _, s := range o.segs {
		n += s.bytes
	}
	return n
}

// oldestWith returns the oldest segment holding positions (or anything, when
// positions is false).
func (o *Outbox) oldestWith(positions bool) *segment {
	for _, s := range o.segs {
		if positions && s.nPos > 0 || !positions && s.n > 0 {
			return s
		}
	}
	return nil
}

func (o *Outbox) indexOf(s *segment) int {
	for i, x := range o.segs {
		if x == s {
			return i
		}
	}
	return -1
}

func (o *Outbox) removeSeg(s *segment) {
	if i := o.indexOf(s); i >= 0 {
		o.segs = append(o.segs[:i], o.segs[i+1:]...)
	}
}

// compact rewrites a segment without the unacknowledged records drop
// selects, counting them under reason. The new file replaces the old one by
// rename, so a crash leaves either the old or the new file, never half.
func (o *Outbox) compact(s *segment, drop func(*record) bool, reason string) error {
	if s == o.active() {
		if err := o.newSegment(); err != nil {
			return err
		}
	}
	src, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("outbox: compact: %w", err)
	}
	defer src.Close()
	sc, err := newScanner(src, s.head)
	if err != nil {
		return fmt.Errorf("outbox: compact: %w", err)
	}
	tmp := s.path + ".tmp"
	dst, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("outbox: compact: %w", err)
	}
	defer os.Remove(tmp) // after a successful rename this is a no-op
	defer dst.Close()
	w := bufio.NewWriterSize(dst, 256<<10)
	var kept segment
	var dropped uint64
	for sc.off < s.size && sc.next() {
		r := &sc.rec
		if drop(r) {
			dropped++
			continue
		}
		kept.count(r)
		kept.last = r.index
		// A kept record is copied as read: its bytes, checksum included, stay valid.
		w.Write(sc.hdr[:])
		if _, err := w.Write(sc.buf); err != nil {
			return fmt.Errorf("outbox: compact: %w", err)
		}
	}
	if sc.err != nil {
		return fmt.Errorf("outbox: compact %s: %w", s.path, sc.err)
	}
	if kept.n == 0 {
		o.removeSeg(s)
		if err := os.Remove(s.path); err != nil {
			return fmt.Errorf("outbox: compact: %w", err)
		}
		o.dropped[reason] += dropped
		return nil
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("outbox: compact: %w", err)
	}
	if o.opts.Fsync != FsyncNever {
		if err := dst.Sync(); err != nil {
			return fmt.Errorf("outbox: compact: %w", err)
		}
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("outbox: compact: %w", err)
	}
	// Counted only now: a compaction that failed (a full disk) dropped nothing.
	o.dropped[reason] += dropped
	size := kept.bytes
	kept.first, kept.path, kept.size, kept.last = s.first, s.path, size, s.last
	*s = kept
	return o.syncDir()
}
