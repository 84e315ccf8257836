package outbox

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

const segExt = ".seg"

// segment is one log file. Records in it have increasing indexes; those
// before head are acknowledged and only wait for the file to be deleted.
type segment struct {
	first     uint64 // index the file was started at (its name)
	path      string
	size      int64  // valid bytes in the file
	head      int64  // offset of the first unacknowledged record
	last      uint64 // highest index ever written to it, 0 if none
	n, nPos   int    // unacknowledged records, and how many are positions
	bytes     int64  // on-disk bytes of the unacknowledged records
	oldest    int64  // appended time (ns) of the first unacknowledged record
	oldestPos int64  // appended time (ns) of the first unacknowledged position
}

func segName(first uint64) string { return fmt.Sprintf("%020d%s", first, segExt) }

// listSegments returns the segment files of dir, oldest first.
func listSegments(dir string) ([]*segment, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("outbox: list %s: %w", dir, err)
	}
	var segs []*segment
	for _, de := range des {
		name := de.Name()
		if de.IsDir() || !strings.HasSuffix(name, segExt) {
			continue
		}
		first, err := strconv.ParseUint(strings.TrimSuffix(name, segExt), 10, 64)
		if err != nil {
			continue // not ours
		}
		segs = append(segs, &segment{first: first, path: filepath.Join(dir, name)})
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].first < segs[j].first })
	return segs, nil
}

// scanner reads records one by one from a segment file.
type scanner struct {
	r   *bufio.Reader
	off int64 // offset of the next record
	hdr [headerLen]byte
	buf []byte
	rec record
	err error // errBadRecord for a torn or corrupt record; nil at a clean end
}

func newScanner(f *os.File, off int64) (*scanner, error) {
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return nil, err
	}
	return &scanner{r: bufio.NewReaderSize(f, 256<<10), off: off}, nil
}

// next decodes the next record into s.rec. It returns false at the end of
// the file or at the first bad record (s.err says which).
func (s *scanner) next() bool {
	if _, err := io.ReadFull(s.r, s.hdr[:]); err != nil {
		if !errors.Is(err, io.EOF) {
			s.err = errBadRecord // a partial header: torn write
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				s.err = err
			}
		}
		return false
	}
	n, err := parseHeader(s.hdr[:])
	if err != nil {
		s.err = err
		return false
	}
	if cap(s.buf) < n {
		s.buf = make([]byte, n)
	}
	s.buf = s.buf[:n]
	if _, err := io.ReadFull(s.r, s.buf); err != nil {
		s.err = errBadRecord
		if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			s.err = err
		}
		return false
	}
	rec, err := decodeBody(s.hdr[:], s.buf)
	if err != nil {
		s.err = err
		return false
	}
	s.rec = rec
	s.off += rec.size
	return true
}

// count adds a live record to the segment's tallies.
func (s *segment) count(r *record) {
	if s.n == 0 {
		s.oldest = r.appended
	}
	if r.class == ClassPosition {
		if s.nPos == 0 {
			s.oldestPos = r.appended
		}
		s.nPos++
	}
	s.n++
	s.bytes += r.size
}

// reset clears the tallies before they are recounted.
func (s *segment) reset() { s.n, s.nPos, s.bytes, s.oldest, s.oldestPos = 0, 0, 0, 0, 0 }

// load scans the file, counting records after acked. It stops at the first
// bad record and returns its offset with errBadRecord, so the caller can
// cut the file there.
func (s *segment) load(acked, prev uint64) (int64, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return 0, fmt.Errorf("outbox: open %s: %w", s.path, err)
	}
	defer f.Close()
	sc, err := newScanner(f, 0)
	if err != nil {
		return 0, fmt.Errorf("outbox: read %s: %w", s.path, err)
	}
	s.reset()
	for sc.next() {
		r := &sc.rec
		if r.index <= prev || r.index < s.first {
			return sc.off - r.size, errBadRecord // out of order: not a record we wrote here
		}
		prev = r.index
		s.last = r.index
		if r.index <= acked {
			s.head = sc.off
			continue
		}
		s.count(r)
	}
	s.size = sc.off
	if sc.err != nil {
		if errors.Is(sc.err, errBadRecord) {
			return sc.off, errBadRecord
		}
		return 0, fmt.Errorf("outbox: read %s: %w", s.path, sc.err)
	}
	return sc.off, nil
}
