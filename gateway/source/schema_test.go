package source

import (
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
