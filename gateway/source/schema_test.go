package source

import (
	"cmp"
	"slices"
	"strings"
	"testing"
)

// Every framing of the schema has a splitter, every type's framings are
// known ones, and a type's default frame size is within its limit.
func TestSourceSchemaConsistent(t *testing.T) {
	s := SourceSchema()
	for _, f := range s.Framings {
		if _, err := Splitter(f, 1, nil); err != nil {
			t.Errorf("framing %q: %v", f, err)
		}
	}
	for typ, ts := range s.Types {
		if len(ts.Framings) == 0 {
			t.Errorf("%s takes no framing", typ)
		}
		for _, f := range ts.Framings {
			if !slices.Contains(s.Framings, f) {
				t.Errorf("%s takes unknown framing %q", typ, f)
			}
		}
		if d := ts.DefaultMaxFrame; d < 1 || d > s.MaxFrame(typ, ts.Framings[0]) {
			t.Errorf("%s: default max_frame %d outside 1..%d", typ, d, s.MaxFrame(typ, ts.Framings[0]))
		}
	}
	// A copy: changing it changes nobody else's.
	s.Types[TypeUDP].Framings[0] = "x"
	if SourceSchema().Types[TypeUDP].Framings[0] != FramingDatagram {
		t.Error("SourceSchema shares its slices")
	}
}

func TestSchemaFrames(t *testing.T) {
	s := SourceSchema()
	tests := []struct {
		typ, framing string
		max          int
		wantFraming  string
		wantMax      int
		err          string
	}{
		{TypeUDP, "", 0, FramingDatagram, DefaultMaxFrame, ""},
		{TypeSerial, "", 0, FramingLine, DefaultMaxFrame, ""},
		{TypeMQTT, "", 0, FramingDatagram, DefaultMQTTMaxFrame, ""},
		{TypeHTTP, "", 0, FramingDatagram, DefaultMaxFrame, ""},
		{TypeTCPListen, FramingTAIP, 100, FramingTAIP, 100, ""},
		{TypeUDP, "", MaxUDPFrame, FramingDatagram, MaxUDPFrame, ""},
		{TypeUDP, "", MaxUDPFrame + 1, "", 0, "max_frame"},
		{TypeTCPClient, FramingLength, MaxLengthFrame + 1, "", 0, "max_frame"},
		{TypeTCPClient, FramingLine, MaxMaxFrame + 1, "", 0, "max_frame"},
		{TypeTCPClient, FramingLine, -1, "", 0, "max_frame"},
		{TypeUDP, FramingLine, 0, "", 0, "a udp source takes datagram"},
		{TypeMQTT, FramingLine, 0, "", 0, "a mqtt source takes datagram"},
		{TypeSerial, FramingDatagram, 0, "", 0, "takes line"},
		{TypeSerial, "slip", 0, "", 0, "unknown framing"},
		{"modbus", "", 0, "", 0, "not a source type"},
	}
	for _, tt := range tests {
		f, m, err := s.Frames(tt.typ, tt.framing, tt.max)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Frames(%s, %q, %d) = %v, want an error with %q", tt.typ, tt.framing, tt.max, err, tt.err)
			}
			continue
		}
		if err != nil || f != tt.wantFraming || m != tt.wantMax {
			t.Errorf("Frames(%s, %q, %d) = %q, %d, %v; want %q, %d", tt.typ, tt.framing, tt.max, f, m, err, tt.wantFraming, tt.wantMax)
		}
	}
}

// The serial schema's allowed values are exactly what the serial library
// is given modes for, its defaults are allowed values, and every value it
// allows builds a source.
func TestSerialSchemaMatchesLibrary(t *testing.T) {
	s := SourceSchema().Serial
	if len(s.Parities) != len(parityModes) || len(s.StopBits) != len(stopBitModes) {
		t.Errorf("schema parities %v, stop bits %v; the serial library has modes for %d, %d",
			s.Parities, s.StopBits, len(parityModes), len(stopBitModes))
	}
	if !slices.Contains(s.DataBits, s.DefaultDataBits) || !slices.Contains(s.StopBits, s.DefaultStopBits) ||
		!slices.Contains(s.Parities, s.DefaultParity) || !slices.Contains(s.Startups, s.DefaultStartup) || s.DefaultBaud < 1 {
		t.Errorf("a default is not an allowed value: %+v", s)
	}
	line := func(db, sb int, p string) Config {
		return Config{Type: TypeSerial, Name: "x", Device: "/dev/x", DataBits: db, StopBits: sb, Parity: p}
	}
	var cfgs []Config
	for _, p := range s.Parities {
		cfgs = append(cfgs, line(0, 0, p))
	}
	for _, db := range s.DataBits {
		cfgs = append(cfgs, line(db, 0, ""))
	}
	for _, sb := range s.StopBits {
		cfgs = append(cfgs, line(0, sb, ""))
	}
	for _, c := range cfgs {
		src, err := New(c)
		if err != nil {
			t.Errorf("%+v: %v", c, err)
			continue
		}
		m := src.(*serialSource).mode
		if want := parityModes[cmp.Or(c.Parity, s.DefaultParity)]; m.Parity != want {
			t.Errorf("parity %q: mode %v, want %v", c.Parity, m.Parity, want)
		}
	}
	// Abbreviations and other spellings are not parities: the
	// configuration takes the names only, and so does New.
	for _, p := range []string{"n", "e", "o", "m", "s", "EVEN", "weird"} {
		if _, err := New(line(0, 0, p)); err == nil || !strings.Contains(err.Error(), "parity") {
			t.Errorf("parity %q: err %v, want a parity error", p, err)
		}
	}
}
