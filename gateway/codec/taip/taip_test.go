package taip

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

const dataDir = "../../../testdata/captures"

var received = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// outcome is what one real report must decode to. Zero time means "not
// checked"; NaN speed/alt means "must be unknown".
type outcome struct {
	kind     string // "fix", "identity", or an error reason
	id       string
	lat, lon float64
	valid    bool
	time     time.Time
	speedKmh float64
	heading  float64
	altM     float64
}

func at(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

// today places a time of day on the day of received (all such reports in the
// capture are within 12 hours of noon).
func today(secs int) time.Time {
	return received.Truncate(24 * time.Hour).Add(time.Duration(secs) * time.Second)
}

const mph = 1.609344

var nan = math.NaN()

// traccarLines gives the expected outcome of every line of traccar-tests.txt.
// Where Traccar's test states a position (the RGP 2015 and REV 2010 reports)
// these agree with it; the others follow the field layouts in the decoder's
// comments (Trimble TAIP PV/CP/LN/AL, Traccar's vendor layouts).
var traccarLines = map[string]outcome{
	">RAL19500+00230+00012;ID=3168;*48<": {kind: "identity", id: "3168"},
	// LN: altitude +00075394 = 753.94 ft = 229.80 m (the AL report above says 230 m).
	">RLN19500000+337885218-0857685155+000753940000+000000000800000000000000000000000000000000000000000012;ID=3168;*4D<":                               {kind: "fix", id: "3168", lat: 33.7885218, lon: -85.7685155, valid: true, time: today(19500), speedKmh: 0, heading: 0, altM: 753.94 * 0.3048},
	">RPI041220132203-2683525-065204060150001050000101511140022118857EF27;ID=0000;#LOG:DECB;*07<":                                                      {kind: "fix", id: "0000", lat: -26.83525, lon: -65.20406, valid: true, time: at(2020, 12, 4, 13, 22, 3), speedKmh: 15 * mph, heading: 0, altM: nan},
	">RCQ00151123235718-2782354-06407582055121FF0013501CDCC6313011100001514;#0805;ID=SIA056;*15<":                                                      {kind: "fix", id: "SIA056", lat: -27.82354, lon: -64.07582, valid: true, time: at(2023, 11, 15, 23, 57, 18), speedKmh: 55 * mph, heading: 121, altM: nan},
	">RUS00,111220124402-3138067-06417623000012200FF,000000000000000000000000000,0000000111,15640422,00000,+25.5,00000,51;ID=CST3G0443;#IP1:089F;*34<": {kind: "fix", id: "CST3G0443", lat: -31.38067, lon: -64.17623, valid: true, time: at(2020, 12, 11, 12, 44, 2), speedKmh: 0, heading: 12, altM: nan},
	">RUS00,031120185945-3138060-06417622000209200FF,000000000000000000000000000,0000000000,11440419,00000,00000,00000,00;ID=CST3G0495;#IP0:1EF7;*4B<": {kind: "fix", id: "CST3G0495", lat: -31.3806, lon: -64.17622, valid: true, time: at(2020, 11, 3, 18, 59, 45), speedKmh: 0, heading: 209, altM: nan},
	">RGP041120190000-3137454-064075520001883004D50;ID=8385;#IP0:0080;*19<":                                                                            {kind: "fix", id: "8385", lat: -31.37454, lon: -64.07552, valid: true, time: at(2020, 11, 4, 19, 0, 0), speedKmh: 0, heading: 188, altM: nan},
	">RLN25601000+297185103-0955755990+000059150000+0000000012000000000000000000000000000000000000000000000000000000000012;ID=3580;*48<":               {kind: "fix", id: "3580", lat: 29.7185103, lon: -95.575599, valid: true, time: today(25601), speedKmh: 0, heading: 0, altM: 59.15 * 0.3048},
	">RCV12270218010247-3471349-058400030002057F001200020A1D013010600001509+0000FF+0000FF;#1DE2;ID=7196;*03<":                                          {kind: "fix", id: "7196", lat: -34.71349, lon: -58.40003, valid: true, time: at(2018, 2, 27, 1, 2, 47), speedKmh: 0, heading: 205, altM: nan},
	">RPV03874+3477708-0923453100029212;ID=0017;*71<":                                                                                                  {kind: "fix", id: "0017", lat: 34.77708, lon: -92.34531, valid: true, time: today(3874), speedKmh: 0, heading: 292, altM: nan},
	">RCP03874+347771-092345312;ID=0017;*65<":                                                                                                          {kind: "fix", id: "0017", lat: 34.7771, lon: -92.3453, valid: true, time: today(3874), speedKmh: nan, heading: nan, altM: nan},
	">RLN03874000+347770828-0923453071+000608270000+0000292309000000000000000000000000000000000000000000000012;ID=0017;*49<":                           {kind: "fix", id: "0017", lat: 34.7770828, lon: -92.3453071, valid: true, time: today(3874), speedKmh: 0, heading: 292.3, altM: 608.27 * 0.3048},
	// 12:57:20 is after the receive time (12:00): the previous day, since a
	// fix is taken before it arrives.
	">RCP46640+419741-075285802;ID=5102;*6C<": {kind: "fix", id: "5102", lat: 41.9741, lon: -75.2858, valid: true, time: today(46640).Add(-24 * time.Hour), speedKmh: nan, heading: nan, altM: nan},
	// EV with GPS week 1958, day 0, 3965 s; no checksum (accepted unless strict).
	">REV001958003965+0307178+1016144900031532;IO=300;SV=8;BL=4159;CF=8161,C,13;AD=14145;IX=10233040;FF=0,0,0,0;VO=338578;ID=357042063052352<": {kind: "fix", id: "357042063052352", lat: 3.07178, lon: 101.61449, valid: true, time: at(2017, 7, 16, 1, 6, 5), speedKmh: 0, heading: 315, altM: nan},
	">REV421942237017+1170957-0701880200000032;ID=356612022463055<":                                                                            {kind: "fix", id: "356612022463055", lat: 11.70957, lon: -70.18802, valid: true, time: at(2017, 3, 28, 10, 16, 57), speedKmh: 0, heading: 0, altM: nan},
	// Degrees and decimal minutes: -38 deg 52.9306', -62 deg 04.8856'.
	">RGP200317010815-3852.9306-06204.88560000003000101;&01;ID=5555;#7AD7*51<":                        {kind: "fix", id: "5555", lat: -(38 + 52.9306/60), lon: -(62 + 4.8856/60), valid: true, time: at(2017, 3, 20, 1, 8, 15), speedKmh: 0, heading: 0, altM: nan},
	">RBR00130217040848-3462200-05846708000175FF0022900003B3C13010800001118410+24061A;ID=555224;*07<": {kind: "fix", id: "555224", lat: -34.622, lon: -58.46708, valid: true, time: at(2017, 2, 13, 4, 8, 48), speedKmh: 0, heading: 175, altM: nan},
	">REV451891352379+0307152+1016143700000012;SV=8;BL=4416;VO=8055;ID=356612026322000<":              {kind: "fix", id: "356612026322000", lat: 3.07152, lon: 101.61437, valid: true, time: at(2016, 4, 6, 14, 32, 59), speedKmh: 0, heading: 0, altM: nan},
	// Fix mode 0 right after the course: no fix.
	">RGP190805211932-3457215-058493640000000FFBF0300;ID=8251;#2122;*54<": {kind: "fix", id: "8251", lat: -34.57215, lon: -58.49364, valid: false, time: at(2005, 8, 19, 21, 19, 32), speedKmh: 0, heading: 0, altM: nan},
	// Checksum says 7F; the report XORs to 79 (53 without '*'). It is the
	// Trimble manual's example (TestTrimbleManualExample) with its time
	// changed from 15714 to 00000 and the checksum left as it was.
	">RPV00000+3739438-1220384601512612;ID=1234;*7F": {kind: "checksum"},
	// Traccar's test: 2010-09-02 17:29:42, 25.78391, -80.29452.
	">REV481599462982+2578391-0802945201228512;ID=Test":                                                                {kind: "fix", id: "Test", lat: 25.78391, lon: -80.29452, valid: true, time: at(2010, 9, 2, 17, 29, 42), speedKmh: 12 * mph, heading: 285, altM: nan},
	">REV131756153215+3359479-0075299001031332;VO=10568798;IO=310;SV=10;BL=4190;CV09=0;AD=0;AL=+47;ID=356612021059680": {kind: "fix", id: "356612021059680", lat: 33.59479, lon: -7.5299, valid: true, time: at(2013, 9, 2, 14, 46, 55), speedKmh: 10 * mph, heading: 313, altM: nan},
	">RPV19105+4538405-0739518900000012;ID=9999;*7A<":                                                                  {kind: "fix", id: "9999", lat: 45.38405, lon: -73.95189, valid: true, time: today(19105), speedKmh: 0, heading: 0, altM: nan},
	// RUV format 00 is a status report without a position.
	">RUV0000,NT003,190826125922,00111595,39K40156,0B36 F,203 V,V1.5,JMAK,0,0,0,;ID=FWHS;#0004;*03<": {kind: "identity", id: "FWHS"},
	// Fix status 9 (not below 8): no fix. Speed in km/h.
	">RUV01111,NT003,190826132746-2353539-046680190000009FFDE0006,00111585,0,0,0,16,50000,500,0,0,50,0,0,4G:0,00000;ID=FWHS;#1A69;*5A<": {kind: "fix", id: "FWHS", lat: -23.53539, lon: -46.68019, valid: false, time: at(2019, 8, 26, 13, 27, 46), speedKmh: 0, heading: 0, altM: nan},
	">RUV02108,NT003,190826131734-2353539-046680190000009FF5E0006,384,0,0,0,0,385,0,323,6,50000,51515;ID=FWHS;#1A2A;*31<":               {kind: "fix", id: "FWHS", lat: -23.53539, lon: -46.68019, valid: false, time: at(2019, 8, 26, 13, 17, 34), speedKmh: 0, heading: 0, altM: nan},
}

func TestTraccarLines(t *testing.T) {
	file := filepath.Join(dataDir, "taip/traccar-tests.txt")
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	d, _ := New(decode.Options{Source: "airlink"})
	seen := map[string]bool{}
	sc := bufio.NewScanner(fh)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		w, ok := traccarLines[line]
		if !ok {
			t.Errorf("line %d: no expectation for %q", n, line)
			continue
		}
		seen[line] = true
		f := frame.Frame{Source: "airlink", Peer: "10.1.2.3:1000", Received: received, Data: []byte(line)}
		checkOutcome(t, d, f, w)
	}
	for line := range traccarLines {
		if !seen[line] {
			t.Errorf("expectation for a line not in %s: %q", file, line)
		}
	}
}

func checkOutcome(t *testing.T, d decode.Decoder, f frame.Frame, w outcome) {
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
		if fx.DeviceID != w.id || fx.IDKind != avl.AVLID || fx.Valid != w.valid ||
			math.Abs(fx.Lat-w.lat) > 1e-9 || math.Abs(fx.Lon-w.lon) > 1e-9 {
			t.Errorf("%q: got id=%q valid=%v %.7f,%.7f; want id=%q valid=%v %.7f,%.7f",
				line, fx.DeviceID, fx.Valid, fx.Lat, fx.Lon, w.id, w.valid, w.lat, w.lon)
		}
		if !w.time.IsZero() && !fx.Time.Equal(w.time) {
			t.Errorf("%q: time %v, want %v", line, fx.Time, w.time)
		}
		if !same(fx.SpeedKmh, w.speedKmh) || !same(fx.Heading, w.heading) || !same(fx.AltitudeM, w.altM) {
			t.Errorf("%q: speed %v heading %v alt %v; want %v %v %v", line, fx.SpeedKmh, fx.Heading, fx.AltitudeM, w.speedKmh, w.heading, w.altM)
		}
		if fx.Source != f.Source || fx.Peer != f.Peer || !fx.Received.Equal(f.Received) || avl.Known(fx.HDOP) {
			t.Errorf("%q: metadata or unknowns wrong: %+v", line, fx)
		}
	case "identity":
		want := decode.Identity{Peer: f.Peer, DeviceID: w.id, Kind: avl.AVLID}
		if err != nil || len(obs.Identities) != 1 || obs.Identities[0] != want || len(obs.Fixes) != 0 {
			t.Errorf("%q: got %+v, %v; want identity %+v", line, obs, err, want)
		}
	default:
		if got := decode.Reason(err); got != w.kind || !obs.Empty() {
			t.Errorf("%q: reason %q (%v), obs %+v; want %q", line, got, err, obs, w.kind)
		}
	}
}

func same(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) < 1e-9
}

// withSum frames a report body with Trimble's checksum ('>' through '*').
func withSum(body string) string {
	c := byte('>')
	for i := 0; i < len(body); i++ {
		c ^= body[i]
	}
	c ^= '*'
	return fmt.Sprintf(">%s*%02X<", body, c)
}

func decodeOne(t *testing.T, opts decode.Options, line string, at time.Time) (decode.Observations, error) {
	t.Helper()
	d, _ := New(opts)
	return d.Decode(frame.Frame{Source: "s", Peer: "p", Received: at, Data: []byte(line)})
}

func TestFramingVariants(t *testing.T) {
	body := "RPV19105+4538405-0739518900000012;ID=9999;"
	std := withSum(body)
	// The vendor checksum leaves '*' out of the XOR.
	vendor := std[:len(std)-3] + fmt.Sprintf("%02X<", hexVal(std[len(std)-3])<<4|hexVal(std[len(std)-2])^'*')
	for _, line := range []string{
		std, std + "\r\n", "\r\n" + std, " " + std + " ",
		std[1:], std[:len(std)-1], std[1 : len(std)-1], // delimiters stripped by the framing
		vendor,
		">" + body + "<", body, // no checksum
	} {
		obs, err := decodeOne(t, decode.Options{}, line, received)
		if err != nil || len(obs.Fixes) != 1 || obs.Fixes[0].DeviceID != "9999" || !obs.Fixes[0].Valid {
			t.Errorf("%q: %+v, %v", line, obs, err)
		}
	}
}

func TestReasons(t *testing.T) {
	cases := []struct {
		line   string
		strict bool
		reason string
	}{
		{">RPV19105+4538405-0739518900000012;ID=9999;*00<", false, "checksum"},
		{">RPV19105+4538405-0739518900000012;ID=9999;*7<", false, "checksum"},
		{">REV421942237017+1170957-0701880200000032;ID=356612022463055<", true, "checksum"},
		{withSum("RXX123;ID=1"), false, "unsupported"},
		{withSum("RUS01,111220124402-3138067-06417623000012200FF"), false, "unsupported"},
		{withSum("RID"), false, "ignored"},
		{withSum("QPV"), false, "syntax"},
		{"", false, "syntax"},
		{withSum("RPV19105+4538405"), false, "syntax"},
		{withSum("RPV1910+4538405-0739518900000012"), false, "syntax"},
		{withSum("RPV99999+4538405-0739518900000012"), false, "invalid"},
		{withSum("RPV19105+9538405-0739518900000012"), false, "invalid"},
		{withSum("RGP203317010815-3852.9306-06204.88560000003000101"), false, "invalid"}, // month 33
		{withSum("RGP200317010815-3872.9306-06204.88560000003000101"), false, "syntax"},  // 72 minutes
		{withSum("RLN19500000+337885218-0857685155+000753940000+0000000008000000"), false, "syntax"},
		{withSum("RUV01111NT003190826132746"), false, "syntax"},
	}
	for _, c := range cases {
		obs, err := decodeOne(t, decode.Options{Strict: c.strict}, c.line, received)
		if got := decode.Reason(err); got != c.reason || !obs.Empty() {
			t.Errorf("%q strict=%v: reason %q (%v), obs %+v; want %q", c.line, c.strict, got, err, obs, c.reason)
		}
	}
}

func TestSourceAndAge(t *testing.T) {
	cases := []struct {
		tail  string
		valid bool
	}{
		{"02", true}, {"12", true}, {"22", true}, {"32", true}, {"31", true}, {"62", true},
		{"30", false}, // age 0: data not available
		{"82", false}, // degraded dead reckoning
		{"92", false}, // unknown source
	}
	for _, c := range cases {
		line := withSum("RPV19105+4538405-07395189000000" + c.tail)
		obs, err := decodeOne(t, decode.Options{}, line, received)
		if err != nil || len(obs.Fixes) != 1 || obs.Fixes[0].Valid != c.valid {
			t.Errorf("%q: %+v, %v; want valid=%v", line, obs, err, c.valid)
		}
	}
}

func TestTimeOfDayNearMidnight(t *testing.T) {
	// 86390 s = 23:59:50 read at 00:00:20 the next day.
	obs, err := decodeOne(t, decode.Options{}, withSum("RPV86390+4538405-0739518900000012"), at(2026, 11, 27, 0, 0, 20))
	if err != nil || !obs.Fixes[0].Time.Equal(at(2026, 11, 26, 23, 59, 50)) {
		t.Errorf("previous day: %+v, %v", obs, err)
	}
	// 5 s = 00:00:05 read at 23:59:58 the day before.
	obs, err = decodeOne(t, decode.Options{}, withSum("RCP00005+347771-092345312"), at(2026, 11, 26, 23, 59, 58))
	if err != nil || !obs.Fixes[0].Time.Equal(at(2026, 11, 27, 0, 0, 5)) {
		t.Errorf("next day: %+v, %v", obs, err)
	}
	// LN keeps milliseconds.
	obs, err = decodeOne(t, decode.Options{}, withSum("RLN43200250+337885218-0857685155+00075394"+"0000"+"+0000"+"0000"+"00"+"0000000000"+"12"), received)
	if err != nil || !obs.Fixes[0].Time.Equal(received.Add(250*time.Millisecond)) {
		t.Errorf("LN ms: %+v, %v", obs, err)
	}
}

func TestNoIDUsesPeer(t *testing.T) {
	obs, err := decodeOne(t, decode.Options{}, withSum("RPV19105+4538405-0739518900000012"), received)
	if err != nil || len(obs.Fixes) != 1 || obs.Fixes[0].DeviceID != "" || obs.Fixes[0].Peer != "p" {
		t.Errorf("%+v, %v", obs, err)
	}
}

// TestTrimbleManualExample decodes the PV example of Trimble's Lassen SK8
// manual: 15714 s GPS time of day, +37.39438 -122.03846, 15 mph, heading 126,
// 3D GPS, fresh data, vehicle 1234.
func TestTrimbleManualExample(t *testing.T) {
	obs, err := decodeOne(t, decode.Options{Strict: true}, ">RPV15714+3739438-1220384601512612;ID=1234;*7F<", received)
	if err != nil || len(obs.Fixes) != 1 {
		t.Fatalf("%+v, %v", obs, err)
	}
	fx := obs.Fixes[0]
	if fx.DeviceID != "1234" || !fx.Valid || !same(fx.Lat, 37.39438) || !same(fx.Lon, -122.03846) ||
		!same(fx.SpeedKmh, 15*mph) || !same(fx.Heading, 126) || !fx.Time.Equal(today(15714)) {
		t.Errorf("%+v", fx)
	}
}

// A zero date (000000) takes the time-of-day rule; a two-digit year follows
// the pivot; a lenient decoder accepts a wrong checksum, counted.
func TestDatesAndLenient(t *testing.T) {
	d, _ := New(decode.Options{})
	f := frame.Frame{Source: "airlink", Received: received, Data: []byte(">RGP000000110000-3137454-064075520001883004D50;ID=8385<")}
	obs, err := d.Decode(f)
	if err != nil || len(obs.Fixes) != 1 || !obs.Fixes[0].NoDate || !obs.Fixes[0].Time.Equal(at(2026, 11, 26, 11, 0, 0)) {
		t.Fatalf("zero date: %v %+v", err, obs)
	}
	f.Data = []byte(">RGP011196110000-3137454-064075520001883004D50;ID=8385<")
	if obs, err := d.Decode(f); err != nil || !obs.Fixes[0].Time.Equal(at(1996, 11, 1, 11, 0, 0)) {
		t.Fatalf("011196: %v %+v", err, obs)
	}
	f.Data = []byte(">RPV00000+3739438-1220384601512612;ID=1234;*7F")
	ld, _ := New(decode.Options{Lenient: true})
	obs, err = ld.Decode(f)
	if decode.Reason(err) != "checksum_mismatch" || len(obs.Fixes) != 1 || obs.Fixes[0].Lat != 37.39438 {
		t.Fatalf("lenient: %v %+v", err, obs)
	}
	f.Data = []byte(">RZZ123;ID=1<")
	if _, err := d.Decode(f); decode.Reason(err) != "unsupported" {
		t.Fatalf("vendor message: %v", err)
	}
}
