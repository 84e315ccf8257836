package source

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// split runs a framing over r with ReadFrames and returns the frames and the
// discard counts.
func split(t testing.TB, framing string, max int, r io.Reader) ([]string, map[string]int) {
	t.Helper()
	counts := map[string]int{}
	sf, err := Splitter(framing, max, func(why string) { counts[why]++ })
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	err = ReadFrames(r, sf, max, func(b []byte, _ time.Time) { out = append(out, string(b)) }, nil)
	if !errors.Is(err, io.EOF) {
		t.Fatalf("ReadFrames ended with %v, want EOF", err)
	}
	return out, counts
}

func lengthFrames(frames ...string) []byte {
	var b []byte
	for _, f := range frames {
		b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
		b = append(b, f...)
	}
	return b
}

func TestSplitters(t *testing.T) {
	tests := []struct {
		name, framing string
		max           int
		in            string
		want          []string
		counts        map[string]int
	}{
		{"line crlf lf blank and tail", FramingLine, 16, "a\r\nb\n\r\n\nc", []string{"a", "b"}, map[string]int{"truncated": 1}},
		{"line lone cr kept", FramingLine, 16, "a\rb\n", []string{"a\rb"}, nil},
		{"line exactly max with cr", FramingLine, 4, "abcd\r\nabcd\n", []string{"abcd", "abcd"}, nil},
		{"line oversize resyncs", FramingLine, 4, "abcdefghij\nok\nabcde\nyes\n", []string{"ok", "yes"}, map[string]int{"oversize": 2}},
		{"stx frames garbage crlf", FramingSTXETX, 16, "\x02A\x03\r\njunk\x02B\x03\r\n\x02C", []string{"A", "B"}, map[string]int{"garbage": 1, "truncated": 1}},
		{"stx restart abandons frame", FramingSTXETX, 16, "\x02AB\x02C\x03", []string{"C"}, map[string]int{"truncated": 1}},
		{"stx oversize to etx", FramingSTXETX, 3, "\x02ABCDEFG\x03\x02OK\x03", []string{"OK"}, map[string]int{"oversize": 1}},
		{"stx oversize to stx", FramingSTXETX, 3, "\x02ABCDEFG\x02OK\x03", []string{"OK"}, map[string]int{"oversize": 1}},
		{"taip brackets", FramingTAIP, 64, ">RPV1;ID=1;*7F<\r\n>RLN2<", []string{"RPV1;ID=1;*7F", "RLN2"}, nil},
		{"taip without closing bracket", FramingTAIP, 64, ">REV48;ID=Test\r\n>RPV1<", []string{"REV48;ID=Test", "RPV1"}, nil},
		{"taip restart and garbage", FramingTAIP, 64, "xx>RP>RPV9<", []string{"RPV9"}, map[string]int{"garbage": 1, "truncated": 1}},
		{"taip oversize", FramingTAIP, 4, ">RPV12345678<>RPV<", []string{"RPV"}, map[string]int{"oversize": 1}},
		{"length frames", FramingLength, 8, string(lengthFrames("abc", "", "defgh")), []string{"abc", "defgh"}, nil},
		{"length oversize skipped by length", FramingLength, 4, string(lengthFrames("0123456789", "ok")), []string{"ok"}, map[string]int{"oversize": 1}},
		{"length truncated", FramingLength, 8, string(lengthFrames("ok")) + "\x00\x05ab", []string{"ok"}, map[string]int{"truncated": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, mode := range []string{"whole", "bytewise"} {
				var r io.Reader = strings.NewReader(tt.in)
				if mode == "bytewise" {
					r = iotest.OneByteReader(r)
				}
				got, counts := split(t, tt.framing, tt.max, r)
				if !slices.Equal(got, tt.want) {
					t.Errorf("%s: frames %q, want %q", mode, got, tt.want)
				}
				if tt.counts == nil {
					tt.counts = map[string]int{}
				}
				// Garbage is counted per run seen, so only whole reads fix its count.
				if mode == "whole" || tt.counts["garbage"] == 0 {
					if !mapsEqual(counts, tt.counts) {
						t.Errorf("%s: counts %v, want %v", mode, counts, tt.counts)
					}
				}
			}
		})
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSplitterUnknown(t *testing.T) {
	if _, err := Splitter("cobs", 10, nil); err == nil {
		t.Fatal("unknown framing accepted")
	}
	if _, err := Splitter(FramingLine, 0, nil); err == nil {
		t.Fatal("zero max accepted")
	}
}

// TestSplitTAIPRealData frames every real TAIP report and checks each comes
// out whole, without its brackets.
func TestSplitTAIPRealData(t *testing.T) {
	raw, err := os.ReadFile(dataDir + "/taip/traccar-tests.txt")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		want = append(want, strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(l), ">"), "<"))
	}
	got, counts := split(t, FramingTAIP, 512, iotest.HalfReader(bytes.NewReader(raw)))
	if !slices.Equal(got, want) {
		t.Fatalf("got %d frames, want %d:\n%q\n%q", len(got), len(want), got, want)
	}
	if len(counts) != 0 {
		t.Errorf("discards on clean data: %v", counts)
	}
}

// TestSplitLineRealNMEA frames real receiver logs: every sentence arrives.
func TestSplitLineRealNMEA(t *testing.T) {
	for _, name := range []string{"mtk-3329.log", "bu353-glonass.log", "ublox-lea-5q.log"} {
		raw, err := os.ReadFile(dataDir + "/nmea/gpsd/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		sc := bufio.NewScanner(bytes.NewReader(raw))
		for sc.Scan() {
			if l := strings.TrimSuffix(sc.Text(), "\r"); l != "" {
				want = append(want, l)
			}
		}
		got, _ := split(t, FramingLine, 256, iotest.HalfReader(bytes.NewReader(raw)))
		if !slices.Equal(got, want) {
			t.Fatalf("%s: %d frames, want %d", name, len(got), len(want))
		}
	}
}

// TestResyncAfterRandomMegabyte feeds 1 MiB of random bytes and then valid
// frames through every stream framing: all the valid frames arrive.
func TestResyncAfterRandomMegabyte(t *testing.T) {
	noise := make([]byte, 1<<20)
	rand.NewChaCha8([32]byte{1, 2}).Read(noise)
	valid := []string{"$GPRMC,1", "$GPGGA,2", "RPV3;ID=17;*71", "last"}
	for _, framing := range []string{FramingLine, FramingSTXETX, FramingTAIP} {
		var in bytes.Buffer
		in.Write(noise)
		if framing == FramingLine {
			in.WriteByte('\n') // the only way to leave an unterminated line
		}
		for _, v := range valid {
			switch framing {
			case FramingLine:
				in.WriteString(v + "\r\n")
			case FramingSTXETX:
				in.WriteString("\x02" + v + "\x03")
			case FramingTAIP:
				in.WriteString(">" + v + "<")
			}
		}
		got, counts := split(t, framing, 64, &in)
		if len(got) < len(valid) || !slices.Equal(got[len(got)-len(valid):], valid) {
			t.Errorf("%s: valid frames lost after noise, tail %q", framing, got[max(0, len(got)-len(valid)):])
		}
		for _, f := range got {
			if len(f) > 64 {
				t.Errorf("%s: frame of %d bytes exceeds max", framing, len(f))
			}
		}
		if counts["oversize"]+counts["garbage"]+counts["truncated"] == 0 {
			t.Errorf("%s: a megabyte of noise went uncounted", framing)
		}
	}
}

// readsOf returns its reads one by one, exactly as given, then io.EOF.
type readsOf [][]byte

func (r *readsOf) Read(p []byte) (int, error) {
	if len(*r) == 0 {
		return 0, io.EOF
	}
	n := copy(p, (*r)[0])
	if n < len((*r)[0]) {
		(*r)[0] = (*r)[0][n:]
	} else {
		*r = (*r)[1:]
	}
	return n, nil
}

// After an oversize frame is skipped to the end of a read, the next read
// can fill the whole buffer and begin with the next frame's start byte.
// The splitter asked for more bytes there, which a full buffer cannot
// give: ReadFrames failed the stream ("splitter made no progress") and a
// TCP modem's connection dropped with its valid frames unread. It happened
// when reads came in whole buffers, as from a busy socket.
func TestSplitDelimitedResyncOnFullBuffer(t *testing.T) {
	const max = 100
	for _, tc := range []struct{ framing, start, end string }{
		{FramingTAIP, ">", "<"}, {FramingSTXETX, "\x02", "\x03"},
	} {
		t.Run(tc.framing, func(t *testing.T) {
			frame := tc.start + "RPV00001+3739438-1220384601512612;ID=0001" + tc.end
			full := []byte(strings.Repeat(frame, 4096/len(frame)+1)[:4096]) // one whole buffer
			reads := readsOf{[]byte(tc.start + strings.Repeat("x", 2*max)), full}
			split, err := Splitter(tc.framing, max, nil)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			err = ReadFrames(&reads, split, max, func([]byte, time.Time) { n++ }, nil)
			if !errors.Is(err, io.EOF) {
				t.Fatalf("the stream failed after %d frames: %v", n, err)
			}
			if want := 4096 / len(frame); n != want {
				t.Errorf("%d frames, want %d", n, want)
			}
		})
	}
}
