package source

import (
	"bytes"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// chunkReader returns reads of the sizes in steps, cycling, to vary where
// frames straddle reads.
type chunkReader struct {
	r     io.Reader
	steps []byte
	i     int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	n := 1
	if len(c.steps) > 0 {
		n = int(c.steps[c.i%len(c.steps)])%97 + 1
		c.i++
	}
	return c.r.Read(p[:min(n, len(p))])
}

// checkSplitter asserts the invariants every splitter keeps on any input:
// it never fails the stream, never returns a frame over max or containing a
// delimiter, and cuts the same frames however the bytes are chunked.
func checkSplitter(t *testing.T, framing string, max int, data, steps []byte, forbidden string) []string {
	t.Helper()
	whole, _ := split(t, framing, max, bytes.NewReader(data))
	for _, f := range whole {
		if len(f) == 0 || len(f) > max {
			t.Fatalf("frame of %d bytes, max %d", len(f), max)
		}
		if forbidden != "" && strings.ContainsAny(f, forbidden) {
			t.Fatalf("frame %q contains a delimiter", f)
		}
	}
	for _, r := range []io.Reader{iotest.OneByteReader(bytes.NewReader(data)), &chunkReader{r: bytes.NewReader(data), steps: steps}} {
		got, _ := split(t, framing, max, r)
		if !slices.Equal(got, whole) {
			t.Fatalf("chunked reads cut %q, whole read %q", got, whole)
		}
	}
	return whole
}

// pieces cuts payload into frames without the given delimiters, each 1..max
// bytes: the valid frames for the concatenation property.
func pieces(payload []byte, max int, drop string) []string {
	var out []string
	for f := range strings.SplitSeq(string(payload), ",") {
		f = strings.Map(func(r rune) rune {
			if strings.ContainsRune(drop, r) {
				return -1
			}
			return r
		}, f)
		if len(f) > max {
			f = f[:max]
		}
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

func seedFromData(f *testing.F, path string, wrap func(string) string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	for i := 0; i < len(lines); i += max(1, len(lines)/12) {
		end := min(len(lines), i+3)
		var b strings.Builder
		for _, l := range lines[i:end] {
			b.WriteString(wrap(l))
		}
		f.Add([]byte(b.String()), []byte(strings.Join(lines[i:end], ",")), uint8(64), []byte{3, 50, 7})
	}
}

func FuzzSplitLine(f *testing.F) {
	seedFromData(f, dataDir+"/nmea/gpsd/mtk-3329.log", func(l string) string { return l + "\n" })
	f.Add([]byte("abcdefghij\r\nok\n\n\rx"), []byte("a,b\r,c"), uint8(3), []byte{1})
	f.Fuzz(func(t *testing.T, noise, payload []byte, m uint8, steps []byte) {
		max := int(m)%80 + 1
		checkSplitter(t, FramingLine, max, noise, steps, "\n")
		valid := pieces(payload, max, "\r\n")
		var in bytes.Buffer
		in.Write(noise)
		in.WriteString("\n")
		for _, v := range valid {
			in.WriteString(v + "\r\n")
		}
		got := checkSplitter(t, FramingLine, max, in.Bytes(), steps, "\n")
		if len(got) < len(valid) || !slices.Equal(got[len(got)-len(valid):], valid) {
			t.Fatalf("valid frames %q not at the end of %q", valid, got)
		}
	})
}

func FuzzSplitSTXETX(f *testing.F) {
	seedFromData(f, dataDir+"/nmea/ip-modems.txt", func(l string) string { return "\x02" + l + "\x03\r\n" })
	f.Add([]byte("\x02AB\x02C\x03junk\x03\x02"), []byte("x,y"), uint8(2), []byte{5})
	f.Fuzz(func(t *testing.T, noise, payload []byte, m uint8, steps []byte) {
		max := int(m)%80 + 1
		checkSplitter(t, FramingSTXETX, max, noise, steps, "\x02\x03")
		valid := pieces(payload, max, "\x02\x03")
		in := slices.Clone(noise)
		for _, v := range valid {
			in = append(in, "\x02"+v+"\x03"...)
		}
		got := checkSplitter(t, FramingSTXETX, max, in, steps, "\x02\x03")
		if len(got) < len(valid) || !slices.Equal(got[len(got)-len(valid):], valid) {
			t.Fatalf("valid frames %q not at the end of %q", valid, got)
		}
	})
}

func FuzzSplitTAIP(f *testing.F) {
	seedFromData(f, dataDir+"/taip/traccar-tests.txt", func(l string) string { return l + "\r\n" })
	f.Add([]byte("xx>RP>RPV9<>RPV1\n"), []byte("RPV,RLN"), uint8(4), []byte{2})
	f.Fuzz(func(t *testing.T, noise, payload []byte, m uint8, steps []byte) {
		max := int(m)%80 + 1
		checkSplitter(t, FramingTAIP, max, noise, steps, "<>\r\n")
		valid := pieces(payload, max, "<>\r\n")
		in := slices.Clone(noise)
		for _, v := range valid {
			in = append(in, ">"+v+"<"...)
		}
		got := checkSplitter(t, FramingTAIP, max, in, steps, "<>\r\n")
		if len(got) < len(valid) || !slices.Equal(got[len(got)-len(valid):], valid) {
			t.Fatalf("valid frames %q not at the end of %q", valid, got)
		}
	})
}

func FuzzSplitLength(f *testing.F) {
	raw, err := os.ReadFile(dataDir + "/taip/traccar-tests.txt")
	if err != nil {
		f.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	f.Add(lengthFrames(lines[:4]...), []byte(strings.Join(lines[4:8], ",")), uint8(70), []byte{9, 1})
	f.Add(lengthFrames("0123456789", "ok"), []byte("a,bb"), uint8(4), []byte{1})
	f.Fuzz(func(t *testing.T, noise, payload []byte, m uint8, steps []byte) {
		max := int(m)%80 + 1
		checkSplitter(t, FramingLength, max, noise, steps, "")
		// Length framing cannot resync inside noise; it must still cut a
		// clean stream exactly, oversized frames skipped by their length.
		valid := pieces(payload, 255, "")
		var want []string
		for _, v := range valid {
			if len(v) <= max {
				want = append(want, v)
			}
		}
		got := checkSplitter(t, FramingLength, max, lengthFrames(valid...), steps, "")
		if !slices.Equal(got, want) {
			t.Fatalf("cut %q, want %q", got, want)
		}
	})
}
