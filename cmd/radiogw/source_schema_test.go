package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"radiogw/gateway/source"
	"radiogw/gateway/sourceschema"
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
	checkSerialLine(t, sch.Serial)
	// A listener's per-peer limit may not exceed its total.
	out, code := runCLI(t, "check", "-config", writeSourceConfig(t, source.TypeTCPListen, "  max_conns = 4\n  max_conns_per_peer = 5\n"))
	if code != 1 || !strings.Contains(out, "max_conns_per_peer (5) must not exceed max_conns (4)") {
		t.Errorf("max_conns_per_peer over max_conns: exit %d, want 1\n%s", code, out)
	}
}

// checkSerialLine tries every serial line value the schema allows (check
// passes) and one beside each setting (check refuses, naming it).
func checkSerialLine(t *testing.T, s sourceschema.Serial) {
	t.Helper()
	var good []string
	for _, v := range s.Parities {
		good = append(good, fmt.Sprintf("parity = %q", v))
	}
	for _, v := range s.Startups {
		good = append(good, fmt.Sprintf("startup = %q", v))
	}
	for _, v := range s.DataBits {
		good = append(good, fmt.Sprintf("data_bits = %d", v))
	}
	for _, v := range s.StopBits {
		good = append(good, fmt.Sprintf("stop_bits = %d", v))
	}
	for _, attr := range good {
		out, code := runCLI(t, "check", "-config", writeSourceConfig(t, source.TypeSerial, "  "+attr+"\n"))
		if code != 0 {
			t.Errorf("serial source, %s: exit %d, want 0\n%s", attr, code, out)
		}
	}
	bad := map[string]string{
		// Abbreviations are refused: a configuration names a parity in full.
		`parity = "e"`:      `"e" is not one of "none", "even", "odd", "mark", "space".`,
		`parity = "EVEN"`:   `"EVEN" is not one of`,
		`startup = "maybe"`: `"maybe" is not one of "retry", "fail".`,
		"data_bits = 9":     "data_bits must be 5, 6, 7 or 8.",
		"data_bits = 4":     "data_bits must be 5, 6, 7 or 8.",
		"stop_bits = 3":     "stop_bits must be 1 or 2.",
	}
	for attr, want := range bad {
		out, code := runCLI(t, "check", "-config", writeSourceConfig(t, source.TypeSerial, "  "+attr+"\n"))
		name, _, _ := strings.Cut(attr, " ")
		if code != 1 || !strings.Contains(out, "Invalid value for "+name) || !strings.Contains(out, want) {
			t.Errorf("serial source, %s: exit %d, want 1 with %q\n%s", attr, code, want, out)
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
		ser, lim := sch.Serial, sch.Listener
		switch typ {
		case source.TypeSerial:
			if s.Baud != ser.DefaultBaud || s.DataBits != ser.DefaultDataBits || s.StopBits != ser.DefaultStopBits ||
				s.Parity != ser.DefaultParity || s.Startup != ser.DefaultStartup {
				t.Errorf("serial source defaults to baud %d, data_bits %d, stop_bits %d, parity %q, startup %q; the schema says %+v",
					s.Baud, s.DataBits, s.StopBits, s.Parity, s.Startup, ser)
			}
		case source.TypeTCPListen:
			if s.MaxConns != lim.DefaultMaxConns || s.MaxConnsPerPeer != lim.DefaultMaxConnsPerPeer || s.IdleTimeout != lim.DefaultIdleTimeout {
				t.Errorf("tcp_listen source defaults to max_conns %d, max_conns_per_peer %d, idle_timeout %s; the schema says %+v",
					s.MaxConns, s.MaxConnsPerPeer, s.IdleTimeout, lim)
			}
		case source.TypeHTTP:
			if s.MaxConns != lim.DefaultMaxConns {
				t.Errorf("http source defaults to max_conns %d; the schema says %d", s.MaxConns, lim.DefaultMaxConns)
			}
		}
	}
	// The per-peer default never exceeds a smaller max_conns.
	cfg, err := loadConfig(writeSourceConfig(t, source.TypeTCPListen, "  max_conns = 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Sources[0]; s.MaxConnsPerPeer != 3 {
		t.Errorf("max_conns = 3 gives max_conns_per_peer %d, want 3", s.MaxConnsPerPeer)
	}
}

// Serial line settings the schema allows start the daemon and reach the
// port: with parity "mark" (which needed CMSPAR, refused before), 7 data
// bits, 2 stop bits and 4800 baud the source comes up, and the terminal's
// settings show the stop bits and speed. Linux's pseudo-terminal driver
// forces CS8 and clears PARENB on every tcsetattr, so data bits and parity
// cannot be read back from a pty; TestSerialSchemaMatchesLibrary in
// gateway/source checks the mode the library is given for each.
func TestSerialLineReachesPort(t *testing.T) {
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	defer master.Close()
	defer slave.Close()
	s := newSite(t)
	s.extra = fmt.Sprintf(`
source "serial" "console1" {
  device    = %q
  codec     = "nmea"
  device_id = "4521"
  baud      = 4800
  parity    = "mark"
  data_bits = 7
  stop_bits = 2
}
`, slave.Name())
	s.write(t)
	p := s.start(t)
	p.WaitOutput(t, `source up" source=console1`, 10*time.Second)
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Cflag&unix.CSTOPB == 0 {
		t.Errorf("cflag %#o lacks CSTOPB: want 2 stop bits", tio.Cflag)
	}
	// The pty keeps PARODD and CMSPAR (it clears only PARENB): mark parity.
	if mark := uint32(unix.PARODD | unix.CMSPAR); tio.Cflag&mark != mark {
		t.Errorf("cflag %#o lacks PARODD|CMSPAR: want mark parity", tio.Cflag)
	}
	if tio.Ospeed != unix.B4800 && tio.Cflag&unix.CBAUD != unix.B4800 {
		t.Errorf("speed: cflag %#o, ospeed %d; want B4800", tio.Cflag, tio.Ospeed)
	}
}
