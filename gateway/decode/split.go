package decode

import "bytes"

// SplitLines cuts a datagram of a text protocol into its reports at line
// ends, keeping the non-blank parts. A modem emptying its store-and-forward
// buffer packs several reports into one datagram; each is a frame of its own.
func SplitLines(b []byte) [][]byte { return SplitAfter(b, 0) }

// SplitAfter cuts at line ends and, when end is not 0, right after each end
// byte (TAIP's '<'), keeping the non-blank parts.
func SplitAfter(b []byte, end byte) [][]byte {
	var out [][]byte
	start := 0
	cut := func(stop int) {
		if part := bytes.TrimSpace(b[start:stop]); len(part) > 0 {
			out = append(out, part)
		}
	}
	for i, c := range b {
		switch {
		case c == '\n' || c == '\r':
			cut(i)
			start = i + 1
		case end != 0 && c == end:
			cut(i + 1)
			start = i + 1
		}
	}
	cut(len(b))
	return out
}
