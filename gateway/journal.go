package gateway

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/codec"
	"radiogw/gateway/publish/outbox"
	"radiogw/hcl"
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
	K   string          `json:"k"` // f fix, e event, i identity, c command
	Src string          `json:"src,omitempty"`
	Fix *journalFix     `json:"fix,omitempty"`
	Ev  *channels.Event `json:"ev,omitempty"`
	ID  *codec.Identity `json:"id,omitempty"`
	Cmd *journalCmd     `json:"cmd,omitempty"`
}

// journalFix is avl.Fix with its optional values as pointers: JSON has no NaN.
type journalFix struct {
	Source, Peer, DeviceID string
	IDKind                 avl.IDKind
	Time, Received         time.Time
	Lat, Lon               *float64
	Valid                  bool
	Speed, Heading, HDOP   *float64 `json:",omitempty"`
	Alt, Acc               *float64 `json:",omitempty"`
}

type journalCmd struct {
	Action, ID, By string
	At             time.Time
}

func optF(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func valF(p *float64) float64 {
	if p == nil {
		return avl.Unknown
	}
	return *p
}

func toJournalFix(f *avl.Fix) *journalFix {
	return &journalFix{Source: f.Source, Peer: f.Peer, DeviceID: f.DeviceID, IDKind: f.IDKind, Time: f.Time,
		Received: f.Received, Lat: optF(f.Lat), Lon: optF(f.Lon), Valid: f.Valid, Speed: optF(f.SpeedKmh),
		Heading: optF(f.Heading), HDOP: optF(f.HDOP), Alt: optF(f.AltitudeM), Acc: optF(f.AccuracyM)}
}

func (j *journalFix) fix() avl.Fix {
	return avl.Fix{Source: j.Source, Peer: j.Peer, DeviceID: j.DeviceID, IDKind: j.IDKind, Time: j.Time,
		Received: j.Received, Lat: valF(j.Lat), Lon: valF(j.Lon), Valid: j.Valid, SpeedKmh: valF(j.Speed),
		Heading: valF(j.Heading), HDOP: valF(j.HDOP), AltitudeM: valF(j.Alt), AccuracyM: valF(j.Acc)}
}

func (d *Daemon) openJournal(cfg *hcl.Config) error {
	// Capped like an outbox: if snapshots keep failing, the oldest fixes
	// go first (counted) and the channel events stay.
	o, err := outbox.Open(outbox.Options{Dir: filepath.Join(cfg.DataDir, "journal"), Fsync: cfg.Storage.Fsync,
		MaxBytes: max(cfg.Storage.MaxBytes/4, 16<<20), Reserve: outboxReserve / 2})
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	d.journal = o
	return nil
}

// journalAdd queues one input for the step's journal append (loop goroutine).
func (d *Daemon) journalAdd(rec journalRec, at time.Time) {
	if d.journal == nil || d.replaying {
		return
	}
	b, err := json.Marshal(rec)
	if err != nil {
		d.metrics.Drops.WithLabelValues("journal", "encode_error").Inc()
		return
	}
	class := outbox.ClassEvent
	if rec.K == "f" {
		class = outbox.ClassPosition
	}
	d.journalBuf = append(d.journalBuf, outbox.Entry{Class: class, Time: at, Data: b})
}

// journalFlush appends the step's inputs in one group commit, before the
// sinks see the step's changes.
func (d *Daemon) journalFlush() {
	if len(d.journalBuf) == 0 {
		return
	}
	err := d.journal.Append(d.journalBuf...)
	if err != nil && !isOverflow(err) {
		d.metrics.Drops.WithLabelValues("journal", "write_error").Add(float64(len(d.journalBuf)))
		d.logLimited("journal", "journal write failed: a crash now would lose these inputs' state (the wall keeps them)",
			"err", err)
	}
	clear(d.journalBuf)
	d.journalBuf = d.journalBuf[:0]
}

// replayJournal applies the journal after index after to the trackers,
// before anything runs. Nothing is published from here: publishRestored
// hands the result to the sinks, whose outboxes already hold the history.
func (d *Daemon) replayJournal(after uint64) (int, error) {
	if d.journal == nil {
		return 0, nil
	}
	d.replaying = true
	defer func() { d.replaying = false }()
	n := 0
	for {
		entries, err := d.journal.Scan(after, 4096)
		if err != nil {
			return n, fmt.Errorf("journal: %w", err)
		}
		if len(entries) == 0 {
			return n, nil
		}
		for _, e := range entries {
			var rec journalRec
			if err := json.Unmarshal(e.Data, &rec); err != nil {
				d.metrics.Drops.WithLabelValues("journal", "decode_error").Inc()
				continue
			}
			d.replayOne(&rec)
			n++
			after = e.Index
		}
	}
}

func (d *Daemon) replayOne(rec *journalRec) {
	var changes []channels.Change
	switch {
	case rec.K == "f" && rec.Fix != nil:
		d.units.ApplyFix(rec.Fix.fix())
	case rec.K == "e" && rec.Ev != nil:
		changes = d.chans.Apply(*rec.Ev)
	case rec.K == "i" && rec.ID != nil:
		d.idents[rec.Src+"\x00"+rec.ID.Peer] = identity{id: rec.ID.DeviceID, kind: rec.ID.Kind}
	case rec.K == "c" && rec.Cmd != nil:
		switch rec.Cmd.Action {
		case "ack":
			changes, _ = d.chans.Ack(rec.Cmd.ID, rec.Cmd.By, rec.Cmd.At)
		case "clear":
			changes, _ = d.chans.Clear(rec.Cmd.ID, rec.Cmd.By, rec.Cmd.At)
		}
	}
	for i := range changes {
		unitSide(&changes[i], d.units)
	}
}
