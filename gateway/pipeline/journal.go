package pipeline

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/decode"
	"radiogw/gateway/publish/outbox"
)

// The journal is what a crash would otherwise take back: every input the
// trackers applied since the last snapshot (fixes after identity
// attribution, channel events, identities, emergency commands), appended
// in the tracker step before the sinks see its changes. A fix that made it
// into a sink's outbox is therefore in the journal too. At start the
// snapshot is restored and the journal after it is replayed through the
// same trackers, which are deterministic (time comes with every input), so
// a kill -9 loses no unit and no state the outboxes kept; a snapshot
// acknowledges the journal up to the point it captured.
//
// It departs from "replay the outbox tail" (docs/ARCHITECTURE.md): the
// outboxes hold outputs (line protocol, display events), not the inputs
// that rebuild unit state, and the InfluxDB outbox forgets what the server
// confirmed.

// journalRec is one journaled input.
type journalRec struct {
	K   string           `json:"k"` // e event, i identity, c command (fixes: appendBinaryFix)
	Src string           `json:"src,omitempty"`
	Ev  *channels.Event  `json:"ev,omitempty"`
	ID  *decode.Identity `json:"id,omitempty"`
	Cmd *journalCmd      `json:"cmd,omitempty"`
}

type journalCmd struct {
	Action, ID, By string
	At             time.Time
}

// OpenJournal opens the journal under dir, capped at a quarter of maxBytes
// (at least 16 MiB). Without it, a crash loses the state since the last
// snapshot; Run works either way.
func (p *Pipeline) OpenJournal(dir string, maxBytes int64) error {
	// Capped like an outbox: if snapshots keep failing, the oldest fixes
	// go first (counted) and the channel events stay. Not fsynced: it is
	// there for a crash of radiogw (the page cache survives a kill -9);
	// after a power cut the snapshot and the broker's retained state carry
	// the map, and an fsync more per step cost a flooded loop its turns.
	o, err := outbox.Open(outbox.Options{Dir: filepath.Join(dir, "journal"), Fsync: outbox.FsyncNever,
		MaxBytes: max(maxBytes/4, 16<<20), Reserve: journalReserve,
		SegmentBytes: 4 << 20}) // trimmed a whole segment at a time (AckWhole)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	p.journal = o
	return nil
}

// journalReserve is the room the journal keeps back to compact on a full
// disk: half an outbox's.
const journalReserve = 256 << 10

// journalFixAdd queues one fix for the step's journal append (loop
// goroutine). Fixes are most of the journal: they are encoded by hand
// (binaryFix), the rarer inputs as JSON.
func (p *Pipeline) journalFixAdd(f *avl.Fix, at time.Time) {
	if p.journal == nil || p.replaying {
		return
	}
	start := len(p.journalArena)
	p.journalArena = appendBinaryFix(p.journalArena, f)
	p.journalBuf = append(p.journalBuf, outbox.Entry{Class: outbox.ClassPosition, Time: at,
		Data: p.journalArena[start:len(p.journalArena):len(p.journalArena)]})
}

// journalAdd queues one input other than a fix.
func (p *Pipeline) journalAdd(rec journalRec, at time.Time) {
	if p.journal == nil || p.replaying {
		return
	}
	b, err := json.Marshal(rec)
	if err != nil {
		p.metrics.Drops.WithLabelValues("journal", "encode_error").Inc()
		return
	}
	p.journalBuf = append(p.journalBuf, outbox.Entry{Class: outbox.ClassEvent, Time: at, Data: b})
}

// A fix on the journal: 'F', then uvarint-prefixed Source, Peer and
// DeviceID, the ID kind and valid flag, fix and receive time (ns, zero
// time as 0) and the seven floats as IEEE bits (NaN, "not reported",
// survives). JSON records start with '{'.
const binaryFixTag = 'F'

func appendBinaryFix(b []byte, f *avl.Fix) []byte {
	b = append(b, binaryFixTag)
	for _, s := range [...]string{f.Source, f.Peer, f.DeviceID} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	valid := byte(0)
	if f.Valid {
		valid = 1
	}
	b = append(b, byte(f.IDKind), valid)
	for _, t := range [...]time.Time{f.Time, f.Received} {
		ns := int64(0)
		if !t.IsZero() {
			ns = t.UnixNano()
		}
		b = binary.LittleEndian.AppendUint64(b, uint64(ns))
	}
	for _, v := range [...]float64{f.Lat, f.Lon, f.SpeedKmh, f.Heading, f.HDOP, f.AltitudeM, f.AccuracyM} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

var errBadJournalFix = errors.New("journal: bad fix record")

func decodeBinaryFix(b []byte) (avl.Fix, error) {
	var f avl.Fix
	if len(b) == 0 || b[0] != binaryFixTag {
		return f, errBadJournalFix
	}
	b = b[1:]
	var strs [3]string
	for i := range strs {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return f, errBadJournalFix
		}
		strs[i] = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	if len(b) != 2+2*8+7*8 {
		return f, errBadJournalFix
	}
	f.Source, f.Peer, f.DeviceID = strs[0], strs[1], strs[2]
	f.IDKind, f.Valid = avl.IDKind(b[0]), b[1] == 1
	b = b[2:]
	var ts [2]time.Time
	for i := range ts {
		if ns := int64(binary.LittleEndian.Uint64(b)); ns != 0 {
			ts[i] = time.Unix(0, ns).UTC()
		}
		b = b[8:]
	}
	f.Time, f.Received = ts[0], ts[1]
	for _, p := range [...]*float64{&f.Lat, &f.Lon, &f.SpeedKmh, &f.Heading, &f.HDOP, &f.AltitudeM, &f.AccuracyM} {
		*p = math.Float64frombits(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	return f, nil
}

// journalFlush appends the step's inputs in one group commit, before the
// sinks see the step's changes.
func (p *Pipeline) journalFlush() {
	if len(p.journalBuf) == 0 {
		return
	}
	err := p.journal.Append(p.journalBuf...)
	if err != nil && !errors.Is(err, outbox.ErrOverflow) {
		p.metrics.Drops.WithLabelValues("journal", "write_error").Add(float64(len(p.journalBuf)))
		p.logs.Error(p.log, "journal", "journal write failed: a crash now would lose these inputs' state (the wall keeps them)",
			"err", err)
	}
	clear(p.journalBuf)
	p.journalBuf = p.journalBuf[:0]
	p.journalArena = p.journalArena[:0]
}

// replayJournal applies the journal after index after to the trackers,
// before anything runs. Nothing is published from here: publishRestored
// hands the result to the sinks, whose outboxes already hold the history.
func (p *Pipeline) replayJournal(after uint64) (int, error) {
	if p.journal == nil {
		return 0, nil
	}
	p.replaying = true
	defer func() { p.replaying = false }()
	n := 0
	var scratch []avl.Change // one buffer for every replayed fix's changes
	for {
		entries, err := p.journal.Scan(after, 4096)
		if err != nil {
			return n, fmt.Errorf("journal: %w", err)
		}
		if len(entries) == 0 {
			return n, nil
		}
		for _, e := range entries {
			if len(e.Data) > 0 && e.Data[0] == binaryFixTag {
				f, err := decodeBinaryFix(e.Data)
				if err != nil {
					p.metrics.Drops.WithLabelValues("journal", "decode_error").Inc()
					continue
				}
				scratch = p.units.AppendFix(scratch[:0], f)
				n++
				after = e.Index
				continue
			}
			var rec journalRec
			if err := json.Unmarshal(e.Data, &rec); err != nil {
				p.metrics.Drops.WithLabelValues("journal", "decode_error").Inc()
				continue
			}
			p.replayOne(&rec)
			n++
			after = e.Index
		}
	}
}

func (p *Pipeline) replayOne(rec *journalRec) {
	var changes []channels.Change
	switch {
	case rec.K == "e" && rec.Ev != nil:
		changes = p.chans.Apply(*rec.Ev)
	case rec.K == "i" && rec.ID != nil:
		p.idents[rec.Src+"\x00"+rec.ID.Peer] = identity{id: rec.ID.DeviceID, kind: rec.ID.Kind}
	case rec.K == "c" && rec.Cmd != nil:
		switch rec.Cmd.Action {
		case "ack":
			changes, _ = p.chans.Ack(rec.Cmd.ID, rec.Cmd.By, rec.Cmd.At)
		case "clear":
			changes, _ = p.chans.Clear(rec.Cmd.ID, rec.Cmd.By, rec.Cmd.At)
		}
	}
	for i := range changes {
		unitSide(&changes[i], p.units)
	}
}
