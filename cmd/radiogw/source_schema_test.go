package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"radiogw/gateway/source"
)

// sourceBodies are minimal valid source blocks of every source type.
var sourceBodies = map[string]string{
	source.TypeSerial:    "device = \"/dev/ttyUSB0\"\n  codec = \"nmea\"\n  device_id = \"4521\"",
	source.TypeUDP:       "listen = \"127.0.0.1:5005\"\n  codec = \"nmea\"",
	source.TypeTCPClient: "address = \"127.0.0.1:4001\"\n  codec = \"nmea\"\n  device_id = \"4521\"",
	source.TypeTCPListen: "listen = \"127.0.0.1:7000\"\n  codec = \"taip\"",
	source.TypeMQTT:      "broker = \"tcp://127.0.0.1:1883\"\n  codec = \"trunk_recorder\"",
	source.TypeHTTP:      "listen = \"127.0.0.1:5055\"\n  codec = \"osmand\"",
}

func writeSourceConfig(t *testing.T, typ, extra string) string {
	t.Helper()
	body, ok := sourceBodies[typ]
	if !ok {
		t.Fatalf("no test source body for source type %q", typ)
	}
	path := filepath.Join(t.TempDir(), "radiogw.hcl")
	cfg := fmt.Sprintf("site = \"x\"\n\nsource %q \"s\" {\n  %s\n%s}\n", typ, body, extra)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// `radiogw check` applies the transports' own framing and frame-size rules
// (gateway/source.SourceSchema): what a start would refuse, check refuses,
// and the largest max_frame a source may have passes. Every source type of
// the schema is tried, so a type added there without a rule here fails.
func TestSourceSchemaReachesCheck(t *testing.T) {
	sch := source.SourceSchema()
	if len(sch.Types) != len(sourceBodies) {
		t.Errorf("source schema has %d types, this test knows %d", len(sch.Types), len(sourceBodies))
	}
	for typ, ts := range sch.Types {
		for _, f := range sch.Framings {
			limit := sch.MaxFrame(typ, f)
			path := writeSourceConfig(t, typ, fmt.Sprintf("  framing = %q\n  max_frame = %d\n", f, limit))
			out, code := runCLI(t, "check", "-config", path)
			if slices.Contains(ts.Framings, f) {
				if code != 0 {
					t.Errorf("%s source, framing %s, max_frame %d: exit %d, want 0\n%s", typ, f, limit, code, out)
				}
				continue
			}
			if code != 1 || !strings.Contains(out, "Invalid framing") || !strings.Contains(out, fmt.Sprintf("framing = %q does not apply", f)) {
				t.Errorf("%s source, framing %s: exit %d, want 1 with Invalid framing\n%s", typ, f, code, out)
			}
		}
		over := sch.MaxFrame(typ, ts.Framings[0]) + 1
		out, code := runCLI(t, "check", "-config", writeSourceConfig(t, typ, fmt.Sprintf("  max_frame = %d\n", over)))
		if code != 1 || !strings.Contains(out, "Invalid value for max_frame") {
			t.Errorf("%s source, max_frame %d: exit %d, want 1 with Invalid value for max_frame\n%s", typ, over, code, out)
		}
	}
}

// The defaults hcl fills in are the schema's: hcl holds none of its own.
func TestSourceDefaultsFromSchema(t *testing.T) {
	sch := source.SourceSchema()
	for typ, ts := range sch.Types {
		cfg, err := loadConfig(writeSourceConfig(t, typ, ""))
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		s := cfg.Sources[0]
		if s.Framing != ts.Framings[0] || s.MaxFrame != ts.DefaultMaxFrame {
			t.Errorf("%s source defaults to framing %q, max_frame %d; the schema says %q, %d",
				typ, s.Framing, s.MaxFrame, ts.Framings[0], ts.DefaultMaxFrame)
		}
	}
}
