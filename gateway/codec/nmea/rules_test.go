package nmea

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	nmea "github.com/adrianmo/go-nmea"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// sentence adds '$' and a correct checksum to body.
func sentence(body string) string {
	return fmt.Sprintf("$%s*%02X", body, xor(body))
}

func decodeAt(t *testing.T, opts decode.Options, line string, at time.Time) (decode.Observations, error) {
	t.Helper()
	d, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return d.Decode(frame.Frame{Source: "gps", Peer: "p", Received: at, Data: []byte(line)})
}

func oneFix(t *testing.T, line string, at time.Time) avl.Fix {
	t.Helper()
	obs, err := decodeAt(t, decode.Options{}, line, at)
	if err != nil || len(obs.Fixes) != 1 {
		t.Fatalf("%q: %+v, %v; want one fix", line, obs, err)
	}
	return obs.Fixes[0]
}

func TestValidityFromStatusAndMode(t *testing.T) {
	cases := []struct {
		body  string
		valid bool
	}{
		{"GPRMC,120000,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W", true},
		{"GPRMC,120000,V,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W", false},
		{"GPRMC,120000,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W,N", false}, // FAA mode N
		{"GNRMC,120000,A,4807.038,N,01131.000,E,,,230394,,,A,V", true},                // nav status V: not provided
		{"GPGGA,120000,4807.038,N,01131.000,E,0,00,99.9,,,,,,", false},
		{"GPGGA,120000,4807.038,N,01131.000,E,2,08,0.9,545.4,M,46.9,M,,", true},
		{"GPGGA,120000,4807.038,N,01131.000,E,6,00,,,,,,,", true},    // dead reckoning
		{"GPGGA,120000,4807.038,N,01131.000,E,8,00,,,,,,,", false},   // simulator
		{"GNGNS,120000.00,4807.038,N,01131.000,E,SS,00,,,,,", false}, // simulator
		{"GPGLL,4807.038,N,01131.000,E,120000,V,N", false},
		{"GPGLL,4807.038,N,01131.000,E,120000,A,A", true},
		{"GNGNS,120000.00,4807.038,N,01131.000,E,NN,00,,,,,", false},
		{"GNGNS,120000.00,4807.038,N,01131.000,E,AN,09,1.0,545.4,46.9,,", true},
		{"BDRMC,120000,A,4807.038,N,01131.000,E,0,0,230394,,", true},
		{"GARMC,120000,A,4807.038,N,01131.000,E,0,0,230394,,", true},
	}
	for _, c := range cases {
		fx := oneFix(t, sentence(c.body), received)
		if fx.Valid != c.valid {
			t.Errorf("%s: Valid=%v, want %v", c.body, fx.Valid, c.valid)
		}
		if math.Abs(fx.Lat-(48+7.038/60)) > 1e-9 || math.Abs(fx.Lon-(11+31.0/60)) > 1e-9 {
			t.Errorf("%s: position %v,%v", c.body, fx.Lat, fx.Lon)
		}
	}
}

func TestEmptyCoordinatesAreUnknownNotZero(t *testing.T) {
	for _, body := range []string{
		"GPRMC,001902.00,V,,,,,,,020211,,,N",
		"GPGGA,001901.00,,,,,0,00,99.99,,,,,,",
		"GPRMC,001902.00,A,,,,,,,020211,,,A", // status A but no position: still not valid
	} {
		fx := oneFix(t, sentence(body), received)
		if fx.Valid || avl.Known(fx.Lat) || avl.Known(fx.Lon) {
			t.Errorf("%s: got valid=%v %v,%v; want invalid with unknown position", body, fx.Valid, fx.Lat, fx.Lon)
		}
	}
}

func TestFields(t *testing.T) {
	fx := oneFix(t, sentence("GPRMC,225446.25,A,4916.45,N,12311.12,W,000.5,054.7,191194,020.3,E"), received)
	want := time.Date(1994, 11, 19, 22, 54, 46, 250e6, time.UTC) // 2094 is more than 50 years ahead of Received (2026)
	if !fx.Time.Equal(want) {
		t.Errorf("RMC time %v, want %v", fx.Time, want)
	}
	if !sameFloat(fx.SpeedKmh, 0.5*1.852) || !sameFloat(fx.Heading, 54.7) || avl.Known(fx.HDOP) || avl.Known(fx.AltitudeM) {
		t.Errorf("RMC fields: %+v", fx)
	}
	fx = oneFix(t, sentence("GPRMC,225446,A,4916.45,N,12311.12,W,,,191126,,"), received)
	if avl.Known(fx.SpeedKmh) || avl.Known(fx.Heading) {
		t.Errorf("empty speed/course must be unknown: %+v", fx)
	}
	fx = oneFix(t, sentence("GPGGA,120000,4807.038,S,01131.000,W,1,08,0.9,545.4,M,46.9,M,,"), received)
	if !sameFloat(fx.HDOP, 0.9) || !sameFloat(fx.AltitudeM, 545.4) || avl.Known(fx.SpeedKmh) || fx.Lat > 0 || fx.Lon > 0 {
		t.Errorf("GGA fields: %+v", fx)
	}
}

func TestTimeOfDayTakesPastDay(t *testing.T) {
	cases := []struct {
		body     string
		received time.Time
		want     time.Time
	}{
		// Fix just before midnight, read just after: previous day.
		{"GPGGA,235959,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,",
			time.Date(2026, 11, 27, 0, 0, 5, 0, time.UTC), time.Date(2026, 11, 26, 23, 59, 59, 0, time.UTC)},
		// Fix just after midnight, read just before (receiver clock ahead): next day.
		{"GPGLL,4807.038,N,01131.000,E,000001,A,A",
			time.Date(2026, 11, 26, 23, 59, 58, 0, time.UTC), time.Date(2026, 11, 27, 0, 0, 1, 0, time.UTC)},
		{"GNGNS,120000.50,4807.038,N,01131.000,E,AA,09,1.0,545.4,46.9,,",
			time.Date(2026, 11, 26, 12, 0, 3, 0, time.UTC), time.Date(2026, 11, 26, 12, 0, 0, 500e6, time.UTC)},
		// Received in another zone: the date is taken in UTC.
		{"GPGGA,030000,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,",
			time.Date(2026, 11, 26, 19, 0, 0, 0, time.FixedZone("PST", -8*3600)), time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		fx := oneFix(t, sentence(c.body), c.received)
		if !fx.NoDate {
			t.Errorf("%s: NoDate not set", c.body)
		}
		if !fx.Time.Equal(c.want) || fx.Time.Location() != time.UTC {
			t.Errorf("%s at %v: time %v, want %v", c.body, c.received, fx.Time, c.want)
		}
	}
}

func TestReasons(t *testing.T) {
	cases := []struct {
		line   string
		opts   decode.Options
		reason string
	}{
		{"$GPRMC,120000,A,4807.038,N,01131.000,E,0,0,230394,,*00", decode.Options{}, "checksum"},
		{"$GPRMC,120000,A,4807.038,N,01131.000,E,0,0,230394,,", decode.Options{Strict: true}, "checksum"},
		{"$IMEI=355797031609284", decode.Options{Strict: true}, "checksum"},
		{sentence("GPGSV,3,1,10,32,86,204,,24,84,113,,11,73,162,,20,54,245,16"), decode.Options{}, "ignored"},
		{sentence("GPGSA,A,2,20,17,23,14,,,,,,,,,1.62,1.31,0.95"), decode.Options{}, "ignored"},
		{sentence("PMTK705,AXN_1.30,0145,Fastrax IT500,"), decode.Options{}, "unsupported"}, // vendor: counted by name
		{sentence("PUBX,00,081350.00,4717.113210,N"), decode.Options{}, "unsupported"},
		{sentence("IIRMC,120000,A,4807.038,N,01131.000,E,0,0,230394,,"), decode.Options{}, "unsupported"},
		{sentence("GPXYZ,1,2,3"), decode.Options{}, "unsupported"},
		{sentence("GPRMC,250000,A,4807.038,N,01131.000,E,0,0,230394,,"), decode.Options{}, "invalid"},
		{sentence("GPRMC,120000,A,4807.038,N,01131.000,E,0,0,321394,,"), decode.Options{}, "invalid"},
		{sentence("GPRMC,120000,A,4807.038,E,01131.000,N,0,0,230394,,"), decode.Options{}, "invalid"},
		{sentence("GPRMC,120000,A,abc,N,01131.000,E,0,0,230394,,"), decode.Options{}, "invalid"},
		{"hello world", decode.Options{}, "syntax"},
		{"  \r\n", decode.Options{}, "syntax"},
		{"bad id!$GPRMC,120000,A,4807.038,N,01131.000,E,0,0,230394,,", decode.Options{}, "syntax"},
	}
	for _, c := range cases {
		obs, err := decodeAt(t, c.opts, c.line, received)
		if got := decode.Reason(err); got != c.reason || !obs.Empty() {
			t.Errorf("%q strict=%v: reason %q (%v), obs %+v; want %q", c.line, c.opts.Strict, got, err, obs, c.reason)
		}
	}
}

// Vendor sentences are unsupported under their own name, never errors.
func TestVendorSentenceNamed(t *testing.T) {
	_, err := decodeAt(t, decode.Options{}, sentence("PSIWTXT,hello"), received)
	var u *decode.UnsupportedError
	if !errors.As(err, &u) || u.Name != "PSIWTXT" {
		t.Fatalf("err %v, want UnsupportedError PSIWTXT", err)
	}
}

// checksum = "lenient": a wrong checksum with parsable fields is accepted and
// reported as checksum_mismatch beside the fix; strict rejects it.
func TestLenientChecksum(t *testing.T) {
	line := "$GPRMC,120000,A,4807.038,N,01131.000,E,0,0,230394,,*00"
	obs, err := decodeAt(t, decode.Options{Lenient: true}, line, received)
	if decode.Reason(err) != "checksum_mismatch" || len(obs.Fixes) != 1 || !near6(obs.Fixes[0].Lat, 48.1173) {
		t.Fatalf("lenient: %v %+v", err, obs)
	}
	if obs, err := decodeAt(t, decode.Options{}, line, received); decode.Reason(err) != "checksum" || !obs.Empty() {
		t.Fatalf("strict: %v %+v", err, obs)
	}
	// Lenient still refuses what does not parse.
	if obs, err := decodeAt(t, decode.Options{Lenient: true}, "$GPRMC,120000,A,abc,N,01131.000,E,0,0,230394,,*00", received); !obs.Empty() || err == nil {
		t.Fatalf("lenient garbage: %v %+v", err, obs)
	}
}

// $GPZDA dates the device; $GPFID names it.
func TestZDAAndFID(t *testing.T) {
	obs, err := decodeAt(t, decode.Options{}, "$GPZDA,081411.000,26,05,2014,,*5D", received)
	if err != nil || len(obs.Times) != 1 || !obs.Times[0].Time.Equal(time.Date(2014, 5, 26, 8, 14, 11, 0, time.UTC)) {
		t.Fatalf("ZDA: %v %+v", err, obs)
	}
	obs, err = decodeAt(t, decode.Options{}, sentence("GPFID,356612021059680"), received)
	if err != nil || len(obs.Identities) != 1 || obs.Identities[0].DeviceID != "356612021059680" {
		t.Fatalf("FID: %v %+v", err, obs)
	}
}

func near6(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }

func TestVTGYieldsNothing(t *testing.T) {
	obs, err := decodeAt(t, decode.Options{}, sentence("GPVTG,054.7,T,034.4,M,005.5,N,010.2,K,A"), received)
	if err != nil || !obs.Empty() {
		t.Errorf("VTG: %+v, %v; want no observations and no error", obs, err)
	}
}

func TestWhitespaceAndLineEndings(t *testing.T) {
	s := sentence("GPGLL,4807.038,N,01131.000,E,120000,A,A")
	for _, line := range []string{s, s + "\r\n", " \t" + s + " \r", s + "\n"} {
		if fx := oneFix(t, line, received); !fx.Valid {
			t.Errorf("%q: not valid", line)
		}
	}
}

func TestParserPanicBecomesError(t *testing.T) {
	p := newSentenceParser(false)
	p.CustomParsers["BOOM"] = func(nmea.BaseSentence) (nmea.Sentence, error) { panic("index out of range") }
	if _, err := parse(p, "$GPBOOM,1"); err == nil {
		t.Fatal("panic inside go-nmea was not turned into an error")
	}
	// A short query sentence panics inside go-nmea v1.10.0's own parser.
	if obs, err := decodeAt(t, decode.Options{}, "$Q", received); decode.Reason(err) != "ignored" || !obs.Empty() {
		t.Errorf("$Q: %+v, %v", obs, err)
	}
}
