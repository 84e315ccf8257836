package nmea

import (
	"strconv"
	"strings"
	"time"

	nmea "github.com/adrianmo/go-nmea"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

const knotsToKmh = 1.852

// toFix converts a position sentence. Validity comes from the status and
// mode fields only: go-nmea turns empty coordinates into 0, so a fix whose
// coordinate fields are empty gets NaN coordinates and Valid=false.
func toFix(s nmea.Sentence, f frame.Frame) (avl.Fix, error) {
	fx := newFix(f)
	var (
		fields   []string
		latField int // index of the latitude field; longitude is two further
		tod      nmea.Time
		err      error
	)
	switch v := s.(type) {
	case nmea.RMC:
		fields, latField, tod = v.Fields, 2, v.Time
		fx.Lat, fx.Lon = v.Latitude, v.Longitude
		fx.Valid = v.Validity == nmea.ValidRMC && modeOK(v.FFAMode)
		fx.SpeedKmh = optional(fields, 6, v.Speed*knotsToKmh)
		fx.Heading = optional(fields, 7, v.Course)
		fx.Time, fx.NoDate, err = fixTime(v.Date, tod, f.Received)
	case nmea.GGA:
		fields, latField, tod = v.Fields, 1, v.Time
		fx.Lat, fx.Lon = v.Latitude, v.Longitude
		fx.Valid = ggaValid(v.FixQuality)
		fx.HDOP = optional(fields, 7, v.HDOP)
		fx.AltitudeM = optional(fields, 8, v.Altitude)
		fx.Time, fx.NoDate, err = fixTime(nmea.Date{}, tod, f.Received)
	case nmea.GNS:
		fields, latField, tod = v.Fields, 1, v.Time
		fx.Lat, fx.Lon = v.Latitude, v.Longitude
		fx.Valid = gnsValid(v.Mode)
		fx.HDOP = optional(fields, 7, v.HDOP)
		fx.AltitudeM = optional(fields, 8, v.Altitude)
		fx.Time, fx.NoDate, err = fixTime(nmea.Date{}, tod, f.Received)
	case nmea.GLL:
		fields, latField, tod = v.Fields, 0, v.Time
		fx.Lat, fx.Lon = v.Latitude, v.Longitude
		fx.Valid = v.Validity == nmea.ValidGLL && modeOK(v.FFAMode)
		fx.Time, fx.NoDate, err = fixTime(nmea.Date{}, tod, f.Received)
	}
	if err != nil {
		return avl.Fix{}, decode.Errorf("invalid", "%s: %w", s.Prefix(), err)
	}
	if fields[latField] == "" || fields[latField+2] == "" {
		fx.Lat, fx.Lon, fx.Valid = avl.Unknown, avl.Unknown, false
	}
	return fx, nil
}

// newFix returns a fix carrying the frame's metadata and no optional values;
// both decode paths start from it.
func newFix(f frame.Frame) avl.Fix {
	return avl.Fix{
		Source: f.Source, Peer: f.Peer, Received: f.Received,
		SpeedKmh: avl.Unknown, Heading: avl.Unknown, HDOP: avl.Unknown,
		AltitudeM: avl.Unknown, AccuracyM: avl.Unknown,
	}
}

// modeOK reads the NMEA 2.3 FAA mode: N (no fix) overrides an 'A' status.
// Empty (older receivers) is fine.
func modeOK(mode string) bool {
	return strings.TrimSpace(mode) != "N"
}

// ggaValid reads GGA's fix quality: 1-5 are GPS, DGPS, PPS and RTK fixes,
// 6 is dead reckoning; 0 is no fix, 7 (manual input) and 8 (simulator) are
// not measured positions.
func ggaValid(q string) bool {
	return len(q) == 1 && q[0] >= '1' && q[0] <= '6'
}

// gnsValid reads GNS's per-constellation mode: valid when any system has a
// measured fix (not N = no fix, M = manual input or S = simulator).
func gnsValid(modes []string) bool {
	for _, m := range modes {
		switch m {
		case nmea.NoFixGNS, nmea.ManualGNS, nmea.SimulatorGNS:
		default:
			return true
		}
	}
	return false
}

// optional returns v, or Unknown when the field was empty (go-nmea gives 0).
func optional(fields []string, i int, v float64) float64 {
	if i >= len(fields) || strings.TrimSpace(fields[i]) == "" {
		return avl.Unknown
	}
	return v
}

// pastSlack is how far after its receive time a time of day may lie and
// still be today: a receiver clock a little ahead of radiogw's.
const pastSlack = 2 * time.Minute

// fixTime builds the UTC fix time. A two-digit year follows the pivot of
// avl.Year2. Without a date (GGA, GNS, GLL, or an RMC with an empty date
// field) it takes the latest day of received that puts the fix in the past
// and reports noDate: the runtime then prefers the device's own latest date
// (RMC, ZDA) when it has a recent one. Without a time of day it returns
// received.
func fixTime(d nmea.Date, t nmea.Time, received time.Time) (at time.Time, noDate bool, err error) {
	if !t.Valid {
		return received.UTC(), false, nil
	}
	if t.Hour > 23 || t.Minute > 59 || t.Second > 60 {
		return time.Time{}, false, errRange("time", t.String())
	}
	tod := time.Duration(t.Hour)*time.Hour + time.Duration(t.Minute)*time.Minute +
		time.Duration(t.Second)*time.Second + time.Duration(t.Millisecond)*time.Millisecond
	if d.Valid {
		if d.MM < 1 || d.MM > 12 || d.DD < 1 || d.DD > 31 {
			return time.Time{}, false, errRange("date", d.String())
		}
		return time.Date(avl.Year2(d.YY, received), time.Month(d.MM), d.DD, 0, 0, 0, 0, time.UTC).Add(tod), false, nil
	}
	return avl.PastDay(tod, received, pastSlack), true, nil
}

type rangeError struct{ what, value string }

func (e rangeError) Error() string { return e.what + " out of range: " + strconv.Quote(e.value) }

func errRange(what, value string) error { return rangeError{what, value} }
