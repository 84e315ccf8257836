// Package outbox is radiogw's durable per-sink queue: an on-disk
// write-ahead log that the tracker appends to and a sink drains, so an
// outage of the destination grows a file instead of stalling tracking.
//
// Entries get increasing indexes. Peek reads the oldest unacknowledged
// entries without removing them; Ack(i) says the destination has everything
// up to i. Every record carries a CRC-32C, so a record torn by a crash or a
// power cut is found on Open and cut off (and counted) instead of being sent.
package outbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Class decides what the overflow policy may drop.
type Class uint8

const (
	// ClassPosition is position history: under the caps it is dropped oldest first.
	ClassPosition Class = iota
	// ClassEvent is transmissions, status and emergencies: dropped only when
	// nothing else is left, and never silently (Append returns ErrOverflow).
	ClassEvent
)

func (c Class) String() string {
	if c == ClassPosition {
		return "position"
	}
	return "event"
}

// Fsync modes.
const (
	FsyncAlways = "always" // fsync after every entry
	FsyncBatch  = "batch"  // group commit: one fsync for all appends within CommitEvery; the default
	FsyncNever  = "never"  // leave it to the OS: survives a crash of radiogw, not of the machine
)

// Drop reasons, the keys of Stats.Dropped.
const (
	DropCapPosition  = "cap_position"       // positions dropped to get under MaxBytes
	DropAgePosition  = "age_position"       // positions older than MaxAge
	DropCapEvent     = "cap_event"          // events dropped over MaxBytes with no positions left
	DropWriteError   = "write_error"        // entries an Append could not write (disk full, I/O error)
	DropFullPosition = "disk_full_position" // positions dropped, oldest first, to make room on a full disk
	DropTorn         = "torn"               // torn tails cut on Open (a crash mid-write)
	DropCorrupt      = "corrupt"            // unreadable records cut from inside the log on Open
)

// ErrOverflow is returned (wrapped) by Append when the size cap forced it to
// drop events. The entries passed in were written; older events were lost.
var ErrOverflow = errors.New("outbox overflow: events dropped")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("outbox closed")

// Options configure an outbox.
type Options struct {
	Dir          string        // created if missing; one directory per sink
	Fsync        string        // always | batch | never; empty means batch
	MaxBytes     int64         // cap on unacknowledged bytes on disk; 0: none
	MaxAge       time.Duration // positions waiting longer are dropped; 0: none
	SegmentBytes int64         // target segment file size; 0 derives it from MaxBytes
	// Reserve is the size of a file kept in Dir to be given back when the
	// disk is full: it makes room to rewrite a segment without its oldest
	// positions. 0: no reserve (an outbox of events only has nothing to drop).
	Reserve int64
	// CommitEvery is, under "batch", the shortest time between two fsyncs:
	// an Append within it of the last fsync is written at once and fsynced
	// with every other append of the interval when it ends (group commit).
	// An Append after a quiet spell is fsynced at once. 0 means
	// DefaultCommitEvery; a negative value fsyncs every Append.
	CommitEvery time.Duration
	Now         func() time.Time
}

// DefaultCommitEvery bounds the fsyncs of a "batch" outbox to 200 a second:
// at 1,000 reports a second the tracker steps every 2 ms, and an fsync per
// step was a fifth of radiogw's CPU. A power cut loses at most this much of
// the newest appends (a crash of radiogw alone loses nothing: every Append
// is written before it returns).
const DefaultCommitEvery = 5 * time.Millisecond

// Entry is one queued item. Index is assigned by Append.
type Entry struct {
	Index uint64
	Class Class
	Time  time.Time // observation time, carried for the sink
	Data  []byte
}

// Stats is a snapshot of the outbox for health and metrics.
type Stats struct {
	Depth      int               // unacknowledged entries
	Bytes      int64             // their size on disk
	OldestTime time.Time         // when the oldest unacknowledged entry was appended; zero if empty
	Dropped    map[string]uint64 // entries lost, by reason (see Drop*)
	Appended   uint64            // entries appended since Open
	Acked      uint64            // entries acknowledged since Open
	Segments   int               // files on disk
	// WriteFailing is set while appends fail (a full disk, an I/O error),
	// and for failingHold after the last failure, so the alarm does not
	// flicker while room is made and taken again; LastWriteError says why.
	WriteFailing   bool
	LastWriteError string
}

// Outbox is safe for concurrent use: typically the tracker goroutine appends
// while the sink goroutine peeks and acks.
type Outbox struct {
	mu       sync.Mutex
	opts     Options
	segBytes int64
	segs     []*segment // oldest first; the last is the one appended to
	w        *os.File   // the last segment, open for appending
	next     uint64     // index of the next entry
	acked    uint64     // everything up to here is acknowledged
	dropped  map[string]uint64
	appended uint64
	ackedN   uint64
	buf      []byte
	closed   bool
	ackF     *os.File // the ack file, written in place (ack.go)
	ackTurn  int      // the slot the last ack went to

	failing   bool      // the last append failed
	failedAt  time.Time // when an append last failed
	lastErr   string    // why
	reserveOK bool      // the reserve file is in place

	ageChecked time.Time // last time the age policy looked

	// Group commit ("batch"): appends written since the last fsync, when
	// that was, and whether a timer is set to fsync them.
	unsynced  bool
	lastSync  time.Time
	syncArmed bool
	syncs     uint64 // fsyncs of appended data, for tests
}

const ackFile = "acked"

// failingHold is how long WriteFailing stays set after the last failed append.
const failingHold = time.Minute

// Open opens or creates the outbox in opts.Dir and replays what is there.
func Open(opts Options) (*Outbox, error) {
	switch opts.Fsync {
	case "":
		opts.Fsync = FsyncBatch
	case FsyncAlways, FsyncBatch, FsyncNever:
	default:
		return nil, fmt.Errorf("outbox: fsync %q: want always, batch or never", opts.Fsync)
	}
	if opts.Dir == "" {
		return nil, errors.New("outbox: no directory")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CommitEvery == 0 {
		opts.CommitEvery = DefaultCommitEvery
	}
	o := &Outbox{opts: opts, segBytes: opts.SegmentBytes, dropped: map[string]uint64{}}
	if o.segBytes <= 0 {
		// Small enough that dropping or deleting a segment is cheap, big
		// enough to keep the file count low.
		o.segBytes = min(max(opts.MaxBytes/16, 1<<20), 64<<20)
	}
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	o.acked = readAck(filepath.Join(opts.Dir, ackFile))
	if err := o.openAck(); err != nil {
		return nil, err
	}
	segs, err := listSegments(opts.Dir)
	if err != nil {
		return nil, err
	}
	prev := uint64(0)
	for i, s := range segs {
		end, err := s.load(o.acked, prev)
		if errors.Is(err, errBadRecord) {
			// Cut at the first bad record. In the last segment that is a
			// write torn by a crash; anywhere else the disk lost data.
			reason := DropCorrupt
			if i == len(segs)-1 {
				reason = DropTorn
			}
			o.dropped[reason]++
			if err := os.Truncate(s.path, end); err != nil {
				return nil, fmt.Errorf("outbox: cut bad record in %s: %w", s.path, err)
			}
			s.size = end
		} else if err != nil {
			return nil, err
		}
		if s.last > prev {
			prev = s.last
		}
	}
	o.next = max(prev, o.acked) + 1
	// Keep segments that hold something unacknowledged, and the last one.
	for i, s := range segs {
		if s.n == 0 && i < len(segs)-1 {
			if err := os.Remove(s.path); err != nil {
				return nil, fmt.Errorf("outbox: %w", err)
			}
			continue
		}
		o.segs = append(o.segs, s)
	}
	if len(o.segs) == 0 {
		if err := o.newSegment(); err != nil {
			return nil, err
		}
	} else if o.w, err = os.OpenFile(o.active().path, os.O_WRONLY|os.O_APPEND, 0o640); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	o.keepReserve()
	return o, nil
}

func (o *Outbox) active() *segment { return o.segs[len(o.segs)-1] }

// newSegment closes the active file and starts a new one at the next index.
func (o *Outbox) newSegment() error {
	if o.w != nil {
		if err := o.syncPending(); err != nil {
			return fmt.Errorf("outbox: sync segment: %w", err)
		}
		if err := o.w.Close(); err != nil {
			return fmt.Errorf("outbox: close segment: %w", err)
		}
		o.w = nil
	}
	s := &segment{first: o.next, path: filepath.Join(o.opts.Dir, segName(o.next))}
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("outbox: new segment: %w", err)
	}
	o.w = f
	o.segs = append(o.segs, s)
	return o.syncDir()
}

func (o *Outbox) syncDir() error {
	if o.opts.Fsync == FsyncNever {
		return nil
	}
	d, err := os.Open(o.opts.Dir)
	if err != nil {
		return fmt.Errorf("outbox: sync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("outbox: sync dir: %w", err)
	}
	return nil
}

// Append writes entries as one group: under "batch" one write and one fsync
// for the whole call, under "always" one per entry. When it returns nil the
// entries are durable (as the fsync mode promises). On a full disk it makes
// room first (the reserve, then the oldest positions, counted) and tries
// once more. A write error is returned wrapped and counted; nothing of the
// call is kept. The caps are enforced afterwards: if events had to go,
// Append returns ErrOverflow.
func (o *Outbox) Append(entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return ErrClosed
	}
	now := o.opts.Now()
	err := o.writeEntries(entries, now)
	if isNoSpace(err) && o.makeRoom(int64(len(o.buf))) {
		err = o.writeEntries(entries, now)
	}
	if err == nil && o.opts.Fsync == FsyncBatch {
		err = o.commit(now)
		if err != nil {
			err = o.undo(o.active().size, err)
		}
	}
	if err != nil {
		o.dropped[DropWriteError] += uint64(len(entries))
		o.failing, o.failedAt, o.lastErr = true, now, err.Error()
		return fmt.Errorf("outbox: append %d entries: %w", len(entries), err)
	}
	o.failing = false
	// Tally what was written.
	s := o.active()
	at := now.UnixNano()
	for i := range entries {
		r := record{index: o.next, class: entries[i].Class, appended: at, size: recordLen(entries[i].Data)}
		entries[i].Index = o.next
		s.count(&r)
		s.size += r.size
		s.last = o.next
		o.next++
	}
	o.appended += uint64(len(entries))
	return o.enforce(now)
}

// writeEntries encodes entries and writes them to the active segment (a
// new one when it is full). On error the segment is cut back to where it
// was, so the log stays whole.
func (o *Outbox) writeEntries(entries []Entry, now time.Time) error {
	if s := o.active(); s.size > 0 && s.size >= o.segBytes {
		if err := o.newSegment(); err != nil {
			return err
		}
	}
	start := o.active().size
	o.buf = o.buf[:0]
	idx := o.next
	for i := range entries {
		e := &entries[i]
		o.buf = appendRecord(o.buf, idx, e.Class, e.Time, now, e.Data)
		idx++
		if o.opts.Fsync == FsyncAlways {
			if err := o.write(o.buf); err != nil {
				return o.undo(start, err)
			}
			o.buf = o.buf[:0]
		}
	}
	if o.opts.Fsync != FsyncAlways {
		if err := o.write(o.buf); err != nil {
			return o.undo(start, err)
		}
	}
	return nil
}

// write appends b to the active segment; under "always" it fsyncs too
// ("batch" commits in Append, once the whole group is written).
func (o *Outbox) write(b []byte) error {
	if _, err := o.w.Write(b); err != nil {
		return err
	}
	if o.opts.Fsync != FsyncAlways {
		return nil
	}
	return o.w.Sync()
}

// commit makes a "batch" append durable: at once when the last fsync is
// CommitEvery old, else with the interval's other appends when it ends.
func (o *Outbox) commit(now time.Time) error {
	o.unsynced = true
	wait := o.opts.CommitEvery - now.Sub(o.lastSync)
	if wait <= 0 || o.opts.CommitEvery < 0 {
		return o.syncPending()
	}
	if !o.syncArmed {
		o.syncArmed = true
		time.AfterFunc(wait, o.deferredSync)
	}
	return nil
}

// syncPending fsyncs the active segment if appends are waiting for it.
func (o *Outbox) syncPending() error {
	if !o.unsynced || o.w == nil {
		return nil
	}
	o.unsynced, o.lastSync = false, o.opts.Now()
	o.syncs++
	return o.w.Sync()
}

// deferredSync is the end of a group-commit interval. The appends it makes
// durable have returned already: a failure raises WriteFailing (the alarm)
// and stays in LastWriteError.
func (o *Outbox) deferredSync() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.syncArmed = false
	if o.closed {
		return
	}
	if err := o.syncPending(); err != nil {
		o.failing, o.failedAt, o.lastErr = true, o.opts.Now(), "group commit: "+err.Error()
	}
}

// undo cuts a failed append off the active segment so the log stays whole.
func (o *Outbox) undo(size int64, err error) error {
	if terr := o.w.Truncate(size); terr != nil {
		err = errors.Join(err, terr)
	}
	return err
}

// Peek returns up to max of the oldest unacknowledged entries, oldest first.
func (o *Outbox) Peek(max int) ([]Entry, error) { return o.Scan(0, max) }

// Scan is Peek starting after index after: it pages through the backlog
// without acknowledging it (for exporting to a file).
func (o *Outbox) Scan(after uint64, max int) ([]Entry, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil, ErrClosed
	}
	var out []Entry
	for _, s := range o.segs {
		if len(out) >= max {
			break
		}
		if s.n == 0 || s.last <= after {
			continue
		}
		var err error
		if out, err = s.read(out, max, after); err != nil {
			return out, err
		}
	}
	return out, nil
}

// read appends the segment's unacknowledged entries after index after to
// out, up to max in all.
func (s *segment) read(out []Entry, max int, after uint64) ([]Entry, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return out, fmt.Errorf("outbox: peek: %w", err)
	}
	defer f.Close()
	sc, err := newScanner(f, s.head)
	if err != nil {
		return out, fmt.Errorf("outbox: peek %s: %w", s.path, err)
	}
	for len(out) < max && sc.off < s.size && sc.next() {
		if sc.rec.index > after {
			out = append(out, sc.rec.entry())
		}
	}
	if sc.err != nil {
		return out, fmt.Errorf("outbox: peek %s at %d: %w", s.path, sc.off, sc.err)
	}
	return out, nil
}

// Stats returns a snapshot of depth, size, age and counters.
func (o *Outbox) Stats() Stats {
	o.mu.Lock()
	defer o.mu.Unlock()
	st := Stats{Dropped: make(map[string]uint64, len(o.dropped)), Appended: o.appended,
		Acked: o.ackedN, Segments: len(o.segs)}
	if o.failing || !o.failedAt.IsZero() && o.opts.Now().Sub(o.failedAt) < failingHold {
		st.WriteFailing, st.LastWriteError = true, o.lastErr
	}
	for k, v := range o.dropped {
		st.Dropped[k] = v
	}
	for _, s := range o.segs {
		if s.n > 0 && st.Depth == 0 {
			st.OldestTime = time.Unix(0, s.oldest).UTC()
		}
		st.Depth += s.n
		st.Bytes += s.bytes
	}
	return st
}

// Depth is Stats().Depth without the copying: the number of unacknowledged
// entries, cheap enough to ask after every append.
func (o *Outbox) Depth() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, s := range o.segs {
		n += s.n
	}
	return n
}

// Last is the index of the newest entry appended (0 if none ever was).
func (o *Outbox) Last() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.next - 1
}

// Close releases the active file. Unacknowledged entries stay on disk.
func (o *Outbox) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	o.closed = true
	if o.ackF != nil {
		o.ackF.Close()
	}
	serr := o.syncPending()
	if err := errors.Join(serr, o.w.Close()); err != nil {
		return fmt.Errorf("outbox: close: %w", err)
	}
	return nil
}
