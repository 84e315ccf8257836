package source

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
)

// Framing names accepted in Config.Framing.
const (
	FramingLine     = "line"
	FramingSTXETX   = "stx_etx"
	FramingTAIP     = "taip"
	FramingLength   = "length_prefixed"
	FramingDatagram = "datagram"
)

// Reasons passed to a splitter's discard callback; each becomes a counter
// through Hooks.Count.
const (
	DiscardOversize  = "oversize"  // a frame longer than the maximum
	DiscardGarbage   = "garbage"   // bytes outside any frame
	DiscardTruncated = "truncated" // a frame cut short by a new start or by the end of the stream
)

// splitOverhead is the most delimiter bytes a frame may carry around its
// max payload. A buffer of max+splitOverhead bytes always lets a splitter
// make progress, so a stream can never wedge on a long frame.
const splitOverhead = 8

// Splitter returns a fresh splitter for a stream framing. The splitters are
// ordinary bufio.SplitFuncs, but stateful: each stream (port, connection)
// needs its own. They never return a token longer than max and never an
// error: a frame that is too long, unterminated or surrounded by noise is
// skipped (advance > 0, nil token), reported through discard, and reading
// resynchronises on the next delimiter. With bufio.Scanner, give it a buffer
// of at least max+8 bytes; ReadFrames sizes its own.
func Splitter(framing string, max int, discard func(reason string)) (bufio.SplitFunc, error) {
	if max <= 0 {
		return nil, fmt.Errorf("max frame %d: must be positive", max)
	}
	if discard == nil {
		discard = func(string) {}
	}
	switch framing {
	case FramingLine:
		return SplitLine(max, discard), nil
	case FramingSTXETX:
		return SplitSTXETX(max, discard), nil
	case FramingTAIP:
		return SplitTAIP(max, discard), nil
	case FramingLength:
		return SplitLength(max, discard), nil
	case FramingDatagram:
		return SplitDatagram, nil
	}
	return nil, fmt.Errorf("unknown framing %q", framing)
}

// SplitLine frames on LF, dropping a CR before it. Blank lines are skipped.
func SplitLine(max int, discard func(string)) bufio.SplitFunc {
	skipping := false
	return func(data []byte, atEOF bool) (int, []byte, error) {
		i := bytes.IndexByte(data, '\n')
		if skipping {
			if i < 0 {
				return len(data), nil, nil
			}
			skipping = false
			return i + 1, nil, nil
		}
		if i >= 0 {
			line := data[:i]
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			switch {
			case len(line) > max:
				discard(DiscardOversize)
				return i + 1, nil, nil
			case len(line) == 0:
				return i + 1, nil, nil
			}
			return i + 1, line, nil
		}
		// max payload bytes plus a CR may legitimately wait for their LF.
		if len(data) > max+1 {
			skipping = true
			discard(DiscardOversize)
			return len(data), nil, nil
		}
		if atEOF && len(data) > 0 {
			discard(DiscardTruncated)
			return len(data), nil, nil
		}
		return 0, nil, nil
	}
}

const (
	stx = 0x02
	etx = 0x03
)

// SplitSTXETX frames 0x02 payload 0x03. A new STX before the ETX abandons
// the unfinished frame; bytes between frames are garbage (CR/LF alone are
// tolerated silently, many devices end a frame with them).
func SplitSTXETX(max int, discard func(string)) bufio.SplitFunc {
	return splitDelimited(max, discard, stx, etx)
}

// SplitTAIP frames Trimble TAIP messages: '>' payload '<', keeping the
// payload without the brackets. Devices that omit the closing '<' and end
// the line instead are accepted too: CR or LF also ends a frame. A new '>'
// before the end abandons the unfinished frame.
func SplitTAIP(max int, discard func(string)) bufio.SplitFunc {
	return splitDelimited(max, discard, '>', '<', '\r', '\n')
}

// splitDelimited is the start/end-byte framing shared by STX/ETX and TAIP.
func splitDelimited(max int, discard func(string), start byte, ends ...byte) bufio.SplitFunc {
	skipping := false
	var stop [256]bool // start and end bytes
	stop[start] = true
	for _, c := range ends {
		stop[c] = true
	}
	// next finds the first start or end byte in b.
	next := func(b []byte) int {
		for i, c := range b {
			if stop[c] {
				return i
			}
		}
		return -1
	}
	return func(data []byte, atEOF bool) (int, []byte, error) {
		if len(data) == 0 {
			return 0, nil, nil
		}
		if skipping {
			i := next(data)
			if i < 0 {
				return len(data), nil, nil
			}
			skipping = false
			if data[i] != start {
				return i + 1, nil, nil
			}
			if i > 0 {
				return i, nil, nil
			}
			// The next frame starts right here: parse it now. Returning 0
			// would ask for more bytes, and a read that filled the whole
			// buffer has none to give: the stream would fail.
		}
		if data[0] != start {
			i := bytes.IndexByte(data, start)
			if i < 0 {
				i = len(data)
			}
			if !onlyNewlines(data[:i]) {
				discard(DiscardGarbage)
			}
			return i, nil, nil
		}
		if j := next(data[1:]); j >= 0 {
			j++
			if data[j] == start {
				if j-1 > max {
					discard(DiscardOversize) // as it would be if seen in pieces
				} else {
					discard(DiscardTruncated)
				}
				return j, nil, nil
			}
			body := data[1:j]
			switch {
			case len(body) > max:
				discard(DiscardOversize)
				return j + 1, nil, nil
			case len(body) == 0:
				return j + 1, nil, nil
			}
			return j + 1, body, nil
		}
		if len(data)-1 > max {
			skipping = true
			discard(DiscardOversize)
			return len(data), nil, nil
		}
		if atEOF {
			discard(DiscardTruncated)
			return len(data), nil, nil
		}
		return 0, nil, nil
	}
}

func onlyNewlines(b []byte) bool {
	for _, c := range b {
		if c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// SplitLength frames a 2-byte big-endian length followed by that many
// bytes. An oversized frame is skipped by its announced length, so the next
// length prefix is found again. Zero-length frames are skipped.
func SplitLength(max int, discard func(string)) bufio.SplitFunc {
	skip := 0
	return func(data []byte, atEOF bool) (int, []byte, error) {
		if skip > 0 {
			n := min(skip, len(data))
			skip -= n
			return n, nil, nil
		}
		if len(data) < 2 {
			if atEOF && len(data) > 0 {
				discard(DiscardTruncated)
				return len(data), nil, nil
			}
			return 0, nil, nil
		}
		n := int(binary.BigEndian.Uint16(data))
		switch {
		case n == 0:
			return 2, nil, nil
		case n > max:
			discard(DiscardOversize)
			skip = n
			return 2, nil, nil
		case len(data) < 2+n:
			if atEOF {
				discard(DiscardTruncated)
				return len(data), nil, nil
			}
			return 0, nil, nil
		}
		return 2 + n, data[2 : 2+n], nil
	}
}

// SplitDatagram returns all of data as one frame: for UDP, where the
// datagram boundary is the framing.
func SplitDatagram(data []byte, atEOF bool) (int, []byte, error) {
	if len(data) == 0 {
		return 0, nil, nil
	}
	return len(data), data, nil
}
