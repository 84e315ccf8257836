package nmea

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// outcome is what one real line must decode to.
type outcome struct {
	kind     string  // "fix", "identity", or an error reason ("checksum", "ignored", ...)
	deviceID string  // fix DeviceID or identity DeviceID
	lat, lon float64 // fix position
	valid    bool
}

func fixAt(id string, lat, lon float64, valid bool) outcome {
	return outcome{kind: "fix", deviceID: id, lat: lat, lon: lon, valid: valid}
}

func ident(id string) outcome { return outcome{kind: "identity", deviceID: id} }

// ipModems holds the expected outcome of every line of ip-modems.txt.
// Positions are the sentence's ddmm.mmmm converted by hand.
var ipModems = map[string]outcome{
	"$PSIWMDID,6Q5161694402B133*2F":                                      ident("6Q5161694402B133"),
	"$GPTXT,NET,1003,A1,-53,232 01*77":                                   {kind: "ignored"},
	"QZE,868994033976700,35,28062020,113553,22.13673,114.57263,0,22,A,0": {kind: "unsupported"},
	"$DEVID,0x0103846677F21422*41":                                       ident("0x0103846677F21422"),
	"$IMEI=355797031609284":                                              ident("355797031609284"),
	"358244017671308":                                                    ident("358244017671308"),
	"$PGID,359853000144328*0F":                                           ident("359853000144328"),
	"$PCPTI,CradlePoint Test,184453,184453.0,6F*57":                      ident("CradlePoint Test"),

	// NMEA 4.10 RMC: the trailing nav status V means "not provided", not invalid.
	"$GNRMC,164414.90,A,4650.5156500,N,01246.1059604,E,0.018,,091123,,,A,V*15":              fixAt("", 46+50.51565/60, 12+46.1059604/60, true),
	"$GNGGA,164414.90,4650.5156500,N,01246.1059604,E,1,12,0.84,740.729,M,44.804,M,,*4E":     fixAt("", 46+50.51565/60, 12+46.1059604/60, true),
	"660420156A0066AA$GPRMC,122806.0,A,0119.212178,N,10355.000942,E,0.0,,230119,0.0,E,A*27": fixAt("660420156A0066AA", 1+19.212178/60, 103+55.000942/60, true),
	// No checksum: accepted unless strict.
	"$GPGGA,082350.000,5355.0314,N,01044.1271,E,1,10,0.7,-46.0,M,0.0,M,0.0,0000": fixAt("", 53+55.0314/60, 10+44.1271/60, true),
	// Status V: returned as an invalid fix so the tracker counts the rejection.
	"$GPRMC,192350.000,V,0000.0000,N,00000.0000,E,,,110318,,*12": fixAt("", 0, 0, false),
	// Data after the checksum is ignored, but the checksum itself is wrong (computed 6F).
	"$GPRMC,073446.000,A,1255.5125,N,07738.2948,E,0.00,0.53,080316,D*71,11,865733027593268,1,090,086,123,456,789,987,12345": {kind: "checksum"},
	"$GPRMC,073446.000,A,1255.5125,N,07738.2948,E,0.00,0.53,080316,D*71,11,865733027593268,1,090,086":                       {kind: "checksum"},
	"4711/022789000688081/$GPRMC,133343,A,5308.56325,N,1029.12850,E,0.000000,0.000000,290316,,*2A":                          fixAt("022789000688081", 53+8.56325/60, 10+29.1285/60, true),
	"$GPRMC,012006,A,4828.10,N,1353.52,E,0.00,0.00,180915,020.3,E*42":                                                       fixAt("", 48+28.10/60, 13+53.52/60, true),
	"$GPRMC,094907.000,A,6000.5332,N,03020.5192,E,1.17,60.26,091111,,*33":                                                   fixAt("", 60+0.5332/60, 30+20.5192/60, true),
	"$GPRMC,064411.000,A,3717.240078,N,00603.046984,W,0.000,1,010313,,,A*6C":                                                fixAt("", 37+17.240078/60, -(6 + 3.046984/60), true),
	// Wrong checksums in the capture (computed 60, 7E, 2E, 5E).
	"$GPGGA,000000.0,4337.200755,N,11611.955704,W,1,05,3.5,825.5,M,-11.0,M,,*6F": {kind: "checksum"},
	"$GPRMA,V,0000.00,S,00000.00,E,,,00.0,000.,11.,E*7":                          {kind: "checksum"},
	"$TRCCR,20140101001122.333,V,60.0,-100.0,1.1,2.2,3.3,4.4,*00":                {kind: "checksum"},
	"$GPGGA,000000.000,6010.34349,N,02445.72838,E,1,05,1.7,0.9,M,35.1,M,,*59":    {kind: "checksum"},
	"$GPRMC,125735.000,A,6010.34349,N,02445.72838,E,1.0,101.7,050509,6.9,W,A*1F": fixAt("", 60+10.34349/60, 24+45.72838/60, true),
	// Mode N overrides nothing here: status is already V.
	"123456789$GPRMC,155708.252,V,4610.1676,N,00606.4586,E,000.0,000.0,060214,,,N*76": fixAt("123456789", 46+10.1676/60, 6+6.4586/60, false),
	// "A * 72": the checksum excludes the space before '*'.
	"990000561287964,$GPRMC,213516.0,A,4337.216791,N,11611.995877,W,0.0,335.4,181214,,,A * 72": fixAt("990000561287964", 43+37.216791/60, -(116 + 11.995877/60), true),
	"355096030432529$GPGGA,000000.00,3136.628,S,5213.990,W,1,7,2.13,250.00,M,-16.384,M,0.0,1":  fixAt("355096030432529", -(31 + 36.628/60), -(52 + 13.990/60), true),
	// Proprietary connection and status reports of another protocol.
	`$CONNECT,350030950116536,NETWORK,"Ben NL",RO,001,LAC,B02C,CID,521B,V,120.69`:                                       {kind: "unsupported"},
	"$ID,350030950116536,4,WMCS-34,0,IOP,O,0x01,I,0x00,GPSEX,A,D,050703,T,095121,S,9:5,La,51.89573,N,Lo,5.89860,E,DD,0": {kind: "unsupported"},
}

var kenwoodLines = map[string]outcome{
	"$PKNDS,074505,A,4809.3040,N,01409.5561,E,000.0,,020618,,00,004332199,0028,00,*00": fixAt("4332199", 48+9.304/60, 14+9.5561/60, true),
}

var received = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func TestIPModemLines(t *testing.T) {
	walkLines(t, filepath.Join(dataDir, "nmea/ip-modems.txt"), ipModems, avl.AVLID)
}

func TestKenwoodLines(t *testing.T) {
	walkLines(t, filepath.Join(dataDir, "misc/kenwood-pknds.txt"), kenwoodLines, avl.RadioID)
}

func walkLines(t *testing.T, file string, want map[string]outcome, kind avl.IDKind) {
	t.Helper()
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	d, _ := New(decode.Options{Source: "modems"})
	seen := map[string]bool{}
	sc := bufio.NewScanner(fh)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		w, ok := want[line]
		if !ok {
			t.Errorf("line %d: no expectation for %q", n, line)
			continue
		}
		seen[line] = true
		f := frame.Frame{Source: "modems", Peer: "10.0.0.7:5000", Received: received, Data: []byte(line + "\r\n")}
		checkOutcome(t, d, f, w, kind)
	}
	for line := range want {
		if !seen[line] {
			t.Errorf("expectation for a line not in %s: %q", file, line)
		}
	}
}

func checkOutcome(t *testing.T, d decode.Decoder, f frame.Frame, w outcome, kind avl.IDKind) {
	t.Helper()
	line := string(f.Data)
	obs, err := d.Decode(f)
	switch w.kind {
	case "fix":
		if err != nil || len(obs.Fixes) != 1 {
			t.Errorf("%q: got %+v, %v; want one fix", line, obs, err)
			return
		}
		fx := obs.Fixes[0]
		if fx.DeviceID != w.deviceID || fx.Valid != w.valid || math.Abs(fx.Lat-w.lat) > 1e-9 || math.Abs(fx.Lon-w.lon) > 1e-9 {
			t.Errorf("%q: got id=%q valid=%v %.9f,%.9f; want id=%q valid=%v %.9f,%.9f",
				line, fx.DeviceID, fx.Valid, fx.Lat, fx.Lon, w.deviceID, w.valid, w.lat, w.lon)
		}
		if fx.DeviceID != "" && fx.IDKind != kind {
			t.Errorf("%q: IDKind %v, want %v", line, fx.IDKind, kind)
		}
		if fx.Source != f.Source || fx.Peer != f.Peer || !fx.Received.Equal(f.Received) || fx.Time.IsZero() {
			t.Errorf("%q: frame metadata not carried: %+v", line, fx)
		}
	case "identity":
		if err != nil || len(obs.Identities) != 1 || len(obs.Fixes) != 0 {
			t.Errorf("%q: got %+v, %v; want one identity", line, obs, err)
			return
		}
		want := decode.Identity{Peer: f.Peer, DeviceID: w.deviceID, Kind: avl.AVLID}
		if obs.Identities[0] != want {
			t.Errorf("%q: identity %+v, want %+v", line, obs.Identities[0], want)
		}
	default:
		if got := decode.Reason(err); got != w.kind || !obs.Empty() {
			t.Errorf("%q: reason %q (%v) obs %+v; want %q and nothing", line, got, err, obs, w.kind)
		}
	}
}

func TestKenwoodStatusEvent(t *testing.T) {
	d, _ := New(decode.Options{Source: "radio"})
	cases := []struct {
		line, id, status, system string
		speed                    float64
	}{
		{"$PKNDS,074505,A,4809.3040,N,01409.5561,E,000.0,,020618,,00,004332199,0028,00,*00", "4332199", "28", "nxdn", 0},
		{sentence("PKNDS,105242,A,4809.3040,N,01409.5561,E,010.0,000.0,081019,1.40,W00,U33998,207,00,"), "33998", "207", "nxdn", 18.52},
		{sentence("PKLDS,220516,A,5133.82,N,00042.24,W,173.8,231.8,130694,004.2,W00,100,2000,25,00"), "100-2000", "25", "fleetsync", 173.8 * 1.852},
		{sentence("PKLDS,220516,V,,,,,,,130694,,,100,2001,00,00"), "100-2001", "", "fleetsync", math.NaN()},
	}
	for _, c := range cases {
		obs, err := d.Decode(frame.Frame{Source: "radio", Received: received, Data: []byte(c.line)})
		if err != nil || len(obs.Fixes) != 1 {
			t.Fatalf("%q: %+v, %v", c.line, obs, err)
		}
		fx := obs.Fixes[0]
		if fx.DeviceID != c.id || fx.IDKind != avl.RadioID {
			t.Errorf("%q: device %q kind %v, want %q radio", c.line, fx.DeviceID, fx.IDKind, c.id)
		}
		if !sameFloat(fx.SpeedKmh, c.speed) {
			t.Errorf("%q: speed %v, want %v", c.line, fx.SpeedKmh, c.speed)
		}
		if c.status == "" {
			if len(obs.Events) != 0 {
				t.Errorf("%q: status 00 must not raise an event: %+v", c.line, obs.Events)
			}
			continue
		}
		want := channels.Event{Kind: channels.Status, Source: "radio", RadioID: c.id, System: c.system,
			Status: c.status, Time: fx.Time, Received: received}
		if len(obs.Events) != 1 || obs.Events[0] != want {
			t.Errorf("%q: events %+v, want %+v", c.line, obs.Events, want)
		}
	}
}

func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) < 1e-9
}
