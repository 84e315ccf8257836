package gateway

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/publish"
)

// snapshot is what survives a restart so the wall map is not blank after it.
type snapshot struct {
	Version  int               `json:"version"`
	Written  time.Time         `json:"written"`
	Units    avl.Snapshot      `json:"units"`
	Channels channels.Snapshot `json:"channels"`
	Idents   map[string]string `json:"identities,omitempty"` // source\x00peer → device ID (AVL IDs)
}

const snapshotVersion = 1

func (d *Daemon) snapshotPath() string { return filepath.Join(d.config().DataDir, "snapshot.json") }

// writeSnapshot copies tracker state on the loop goroutine and writes it in
// the background, so encoding a large fleet never stalls ingest. The file is
// replaced atomically (temporary file, fsync, rename): a crash mid-write
// leaves the previous snapshot intact. A periodic snapshot is skipped while
// the previous one is still being written; final (shutdown) waits for it and
// for its own write.
func (d *Daemon) writeSnapshot(now time.Time, final bool) {
	if !d.snapMu.TryLock() {
		if !final {
			return
		}
		d.snapMu.Lock()
	}
	s := snapshot{Version: snapshotVersion, Written: now.UTC(), Units: d.units.Snapshot(),
		Channels: d.chans.Snapshot(), Idents: map[string]string{}}
	for k, v := range d.idents {
		if v.kind == avl.AVLID {
			s.Idents[k] = v.id
		}
	}
	d.lastSnap = now
	write := func() {
		defer d.snapMu.Unlock()
		if err := writeFileAtomic(d.snapshotPath(), s); err != nil {
			d.metrics.Drops.WithLabelValues("snapshot", "write_error").Inc()
			d.log.Error("snapshot not written", "err", err)
		}
	}
	if final {
		write()
		return
	}
	go write()
}

func writeFileAtomic(path string, v any) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".snapshot-*")
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		tmp.Close()
		return fmt.Errorf("snapshot encode: %w", err)
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("snapshot write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("snapshot sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("snapshot close: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("snapshot rename: %w", err)
	}
	return nil
}

// restoreSnapshot loads the last snapshot, if any, before anything runs.
func (d *Daemon) restoreSnapshot() error {
	raw, err := os.ReadFile(d.snapshotPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	var s snapshot
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("snapshot %s: %w", d.snapshotPath(), err)
	}
	if s.Version != snapshotVersion {
		return fmt.Errorf("snapshot %s: version %d, want %d", d.snapshotPath(), s.Version, snapshotVersion)
	}
	if err := d.units.Restore(s.Units); err != nil {
		return fmt.Errorf("snapshot units: %w", err)
	}
	if err := d.chans.Restore(s.Channels); err != nil {
		return fmt.Errorf("snapshot channels: %w", err)
	}
	for k, v := range s.Idents {
		d.idents[k] = identity{id: v, kind: avl.AVLID}
	}
	d.log.Info("snapshot restored", "units", len(d.units.Units()), "written", s.Written)
	return nil
}

// publishRestored hands every restored unit and channel to the sinks so
// retained topics are complete from the first second.
func (d *Daemon) publishRestored() {
	var b publish.Batch
	for _, u := range d.units.Units() {
		b.Units = append(b.Units, avl.Change{Kind: avl.UnitUpdated, Time: u.Updated, Unit: u})
	}
	for _, c := range d.chans.Channels() {
		b.Channels = append(b.Channels, channels.Change{Kind: channels.ChannelUpdated, Time: c.Since, Channel: c})
	}
	d.emit(b)
}
