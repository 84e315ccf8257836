package pipeline

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	"radiogw/gateway/ratelog"
	"radiogw/gateway/topicname"
)

// The snapshot is what survives a restart so the wall map is not blank after
// it. It is a stream of JSON values, one per line, written and read a unit at
// a time so a large fleet never has to fit in memory as one document:
//
//	{"version":2,"written":"...","units":N}   snapshotHeader
//	{...}                                     channels.Snapshot
//	{...}                                     identities: source\x00peer → AVL ID
//	{"id":...}                                N units, as avl.Capture encodes them
//
// Version 1 (one document: {"version":1,"written":...,"units":avl.Snapshot,
// "channels":...,"identities":...}) is still read, so the snapshot taken
// before an upgrade restores after it.
type snapshotHeader struct {
	Version int       `json:"version"`
	Written time.Time `json:"written"`
	Units   int       `json:"units"`
	Journal uint64    `json:"journal,omitempty"` // the journal's last index at capture: replay after it
}

const snapshotVersion = 2

func (p *Pipeline) snapshotPath() string { return filepath.Join(p.settings().DataDir, "snapshot.json") }

// writeSnapshot copies tracker state on the loop goroutine (a flat copy per
// unit, see avl.Capture) and encodes and writes it in the background, so a
// large fleet never stalls ingest. The file is replaced atomically
// (temporary file, fsync, rename, fsync of the directory): a crash mid-write
// leaves the previous snapshot intact. A periodic snapshot is skipped while
// the previous one is still being written; final (shutdown) waits for it and
// for its own write.
func (p *Pipeline) writeSnapshot(now time.Time, final bool) {
	if !p.snapMu.TryLock() {
		if !final {
			return
		}
		p.snapMu.Lock()
	}
	units := p.units.Capture()
	chans := p.chans.Snapshot()
	idents := map[string]string{}
	for k, v := range p.idents {
		if v.kind == avl.AVLID {
			idents[k] = v.id
		}
	}
	hdr := snapshotHeader{Version: snapshotVersion, Written: now.UTC(), Units: units.Len()}
	if p.journal != nil {
		hdr.Journal = p.journal.Last()
	}
	p.lastSnap = now
	write := func() {
		defer p.snapMu.Unlock()
		err := writeFileAtomic(p.snapshotPath(), func(w *bufio.Writer) error {
			return encodeSnapshot(w, hdr, chans, idents, units)
		})
		if err != nil {
			p.metrics.Drops.WithLabelValues("snapshot", "write_error").Inc()
			p.logs.Error(p.log, "snapshot", "snapshot not written", "err", err)
			return
		}
		if p.journal != nil && hdr.Journal > 0 {
			// The snapshot holds everything up to here: the journal
			// can let it go.
			if err := p.journal.AckWhole(hdr.Journal); err != nil {
				p.logs.Error(p.log, "journal_ack", "journal not trimmed", "err", err)
			}
		}
	}
	if final {
		write()
		return
	}
	go write()
}

// encodeSnapshot writes the stream described above.
func encodeSnapshot(w *bufio.Writer, hdr snapshotHeader, chans channels.Snapshot, idents map[string]string, units *avl.Capture) error {
	enc := json.NewEncoder(w)
	for _, v := range []any{hdr, chans, idents} {
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("snapshot encode: %w", err)
		}
	}
	return units.EncodeUnits(func(line []byte) error {
		w.Write(line)
		return w.WriteByte('\n') // a bufio.Writer keeps its first error
	})
}

func writeFileAtomic(path string, write func(*bufio.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".snapshot-*")
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	if err := write(w); err != nil {
		tmp.Close()
		return err
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
	// The rename is durable only once the directory is.
	if df, err := os.Open(dir); err == nil {
		err = df.Sync()
		df.Close()
		if err != nil {
			return fmt.Errorf("snapshot sync %s: %w", dir, err)
		}
	}
	return nil
}

// restoreSnapshot loads the last snapshot, if any, before anything runs. On
// error nothing is restored.
func (p *Pipeline) restoreSnapshot() error {
	f, err := os.Open(p.snapshotPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer f.Close()
	s, err := decodeSnapshot(bufio.NewReaderSize(f, 1<<20), p.units.NewLoader())
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", p.snapshotPath(), err)
	}
	p.dropBadNames(s)
	if err := p.chans.Restore(s.chans); err != nil {
		return fmt.Errorf("snapshot channels: %w", err)
	}
	s.units.Commit()
	for k, v := range s.idents {
		src, peer, _ := strings.Cut(k, "\x00")
		p.idents[identKey(src, peer)] = identity{id: v, kind: avl.AVLID}
	}
	p.journalAfter = s.journal
	p.log.Info("snapshot restored", "units", s.units.Len(), "written", s.written, "version", s.version)
	return nil
}

// dropBadNames removes from a snapshot what an older radiogw let through:
// units, channels and identities whose name cannot be a topic level. They
// are counted under source "snapshot" and logged once each; nothing of them
// is restored or published.
func (p *Pipeline) dropBadNames(s *decodedSnapshot) {
	refuse := func(what, name string) bool {
		reason := topicname.Check(name)
		if reason == "" {
			return false
		}
		p.metrics.NamesRejected.WithLabelValues("snapshot", reason).Inc()
		p.log.Warn("snapshot: name refused, not restored: it cannot be an MQTT topic level", "what", what,
			"reason", reason, "name", ratelog.Printable([]byte(name), 80))
		return true
	}
	s.units.Drop(func(id string) bool { return refuse("unit", id) })
	chans := s.chans.Channels[:0]
	for _, c := range s.chans.Channels {
		if !refuse("channel", c.State.Name) {
			chans = append(chans, c)
		}
	}
	s.chans.Channels = chans
	for k, v := range s.idents {
		if refuse("identity", v) {
			delete(s.idents, k)
		}
	}
}

// decodedSnapshot is a snapshot read in full but not yet applied.
type decodedSnapshot struct {
	version int
	written time.Time
	journal uint64
	units   *avl.Loader
	chans   channels.Snapshot
	idents  map[string]string
}

// v2Prefix is how the header of a version 2 snapshot starts, as
// encodeSnapshot writes it.
const v2Prefix = `{"version":2,`

// decodeSnapshot reads either version into units (not committed).
func decodeSnapshot(r *bufio.Reader, units *avl.Loader) (*decodedSnapshot, error) {
	s := &decodedSnapshot{units: units}
	if p, _ := r.Peek(len(v2Prefix)); string(p) == v2Prefix {
		s.version = snapshotVersion
		return s, decodeV2(r, s)
	}
	// Version 1 is one document; a single line, so it is walked token by
	// token rather than read as lines.
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	if key, err := dec.Token(); err != nil || key != "version" {
		return nil, fmt.Errorf("does not start with a version (%v, %v)", key, err)
	}
	if err := dec.Decode(&s.version); err != nil {
		return nil, fmt.Errorf("version: %w", err)
	}
	if s.version != 1 {
		return nil, fmt.Errorf("version %d, want %d or 1", s.version, snapshotVersion)
	}
	if err := decodeV1(dec, s); err != nil {
		return nil, err
	}
	return s, nil
}

// decodeV2 reads the header, channels, identities and unit lines.
func decodeV2(r *bufio.Reader, s *decodedSnapshot) error {
	var line []byte
	next := func(what string) error {
		var err error
		if line, err = readLine(r, line[:0]); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	hdr := snapshotHeader{Units: -1}
	if err := next("header"); err != nil {
		return err
	}
	if err := json.Unmarshal(line, &hdr); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	if hdr.Units < 0 {
		return errors.New("header: no unit count")
	}
	s.written, s.journal = hdr.Written, hdr.Journal
	if err := next("channels"); err != nil {
		return err
	}
	if err := json.Unmarshal(line, &s.chans); err != nil {
		return fmt.Errorf("channels: %w", err)
	}
	if err := next("identities"); err != nil {
		return err
	}
	if err := json.Unmarshal(line, &s.idents); err != nil {
		return fmt.Errorf("identities: %w", err)
	}
	for i := 0; i < hdr.Units; i++ {
		var err error
		if line, err = readLine(r, line[:0]); err != nil {
			return fmt.Errorf("unit %d of %d: %w", i, hdr.Units, err)
		}
		if err := s.units.AddUnitJSON(line); err != nil {
			return err
		}
	}
	if _, err := r.Peek(1); err != io.EOF {
		return fmt.Errorf("more than the %d units announced", hdr.Units)
	}
	return nil
}

// readLine appends the next line, without its newline, to buf. A last
// line without a newline counts; end of input before any byte is
// io.ErrUnexpectedEOF, since every line is announced.
func readLine(r *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		chunk, err := r.ReadSlice('\n')
		buf = append(buf, chunk...)
		switch {
		case err == nil:
			return buf[:len(buf)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(buf) > 0:
			return buf, nil
		case err == io.EOF:
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// decodeV1 walks the old whole-document format token by token, decoding one
// unit at a time.
func decodeV1(dec *json.Decoder, s *decodedSnapshot) error {
	return decodeFields(dec, map[string]any{
		"written":    &s.written,
		"channels":   &s.chans,
		"identities": &s.idents,
		"units": func() error {
			var version int
			return decodeObject(dec, map[string]any{
				"version": &version,
				"units": func() error {
					if version != avl.SnapshotVersion {
						return fmt.Errorf("units: version %d, want %d", version, avl.SnapshotVersion)
					}
					if err := expectDelim(dec, '['); err != nil {
						return err
					}
					for dec.More() {
						var su avl.SnapshotUnit
						if err := dec.Decode(&su); err != nil {
							return fmt.Errorf("unit %d: %w", s.units.Len(), err)
						}
						if err := s.units.AddSnapshotUnit(&su); err != nil {
							return err
						}
					}
					return expectDelim(dec, ']')
				},
			})
		},
	})
}

// decodeObject reads a whole object: '{' then decodeFields.
func decodeObject(dec *json.Decoder, fields map[string]any) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	return decodeFields(dec, fields)
}

// decodeFields reads the rest of an object whose '{' has been read. A field
// is decoded into its pointer, or handed to its function to read the value
// itself; unknown fields are skipped.
func decodeFields(dec *json.Decoder, fields map[string]any) error {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		switch f := fields[key].(type) {
		case func() error:
			err = f()
		case nil:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		default:
			err = dec.Decode(f)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return expectDelim(dec, '}')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("found %v, want %v", tok, want)
	}
	return nil
}

// publishRestored hands every restored unit and channel to the sinks so
// retained topics are complete from the first second.
func (p *Pipeline) publishRestored() {
	var b change.Batch
	// Over the unlisted caps (a snapshot from before them, or a lower cap
	// now): the longest silent go, and their retained topics with them.
	if gone := p.units.TrimUnlisted(time.Now()); len(gone) > 0 {
		p.log.Warn("snapshot: unlisted units over the cap not restored", "units", len(gone))
		b.Units = append(b.Units, gone...)
	}
	for _, u := range p.units.Units() {
		b.Units = append(b.Units, avl.Change{Kind: avl.UnitUpdated, Time: u.Updated, Unit: u})
	}
	for _, c := range p.chans.Channels() {
		b.Channels = append(b.Channels, channels.Change{Kind: channels.ChannelUpdated, Time: c.Since, Channel: c})
	}
	p.emit(b)
}
