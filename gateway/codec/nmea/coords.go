package nmea

import (
	"math"
	"strconv"

	nmea "github.com/adrianmo/go-nmea"
)

// go-nmea's coordinate parser tries degrees-minutes-seconds and decimal
// degrees before ddmm.mmmm, building error values and a formatted string on
// the way: it is about 60% of the library's time per RMC, and it takes any
// hemisphere letter on either axis. The position sentences are therefore
// registered below with go-nmea's own field parser for every field except the
// coordinates, which use latLong. Outside the coordinates these constructors
// mirror go-nmea v1.10.0's newRMC/newGGA/newGNS/newGLL.

// timeOfDay reads hhmmss[.sss] like go-nmea's ParseTime, without its
// regular expression (a quarter of the remaining parse time).
func timeOfDay(p *nmea.Parser, i int, context string) nmea.Time {
	v := p.String(i, context)
	if p.Err() != nil || v == "" {
		return nmea.Time{}
	}
	t, ok := clockTime(v)
	if !ok {
		p.SetErr(context, v)
	}
	return t
}

// clockTime parses a non-empty hhmmss[.sss] field; both decode paths use it.
// Digits past milliseconds are read and dropped.
func clockTime[T string | []byte](v T) (nmea.Time, bool) {
	if len(v) < 6 || len(v) > 6 && v[6] != '.' {
		return nmea.Time{}, false
	}
	var n [6]int
	for k := range n {
		c := v[k]
		if c < '0' || c > '9' {
			return nmea.Time{}, false
		}
		n[k] = int(c - '0')
	}
	ms, scale := 0, 1000
	for k := 7; k < len(v); k++ {
		c := v[k]
		if c < '0' || c > '9' {
			return nmea.Time{}, false
		}
		if scale > 1 {
			scale /= 10
			ms += int(c-'0') * scale
		}
	}
	return nmea.Time{Valid: true, Hour: n[0]*10 + n[1], Minute: n[2]*10 + n[3], Second: n[4]*10 + n[5], Millisecond: ms}, true
}

// latLong reads ddmm.mmmm (latitude) or dddmm.mmmm (longitude) and its
// hemisphere, the way go-nmea's ParseGPS does, and checks the hemisphere
// letter belongs to the axis. Empty fields give 0 and no error (the caller
// treats them as unknown).
func latLong(p *nmea.Parser, i int, lat bool, context string) float64 {
	v, h := p.String(i, context), p.String(i+1, context)
	if p.Err() != nil || v == "" && h == "" {
		return 0
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || x < 0 || math.IsInf(x, 0) {
		p.SetErr(context, v)
		return 0
	}
	x = ddmm(x)
	limit, pos, neg := 180.0, "E", "W"
	if lat {
		limit, pos, neg = 90, "N", "S"
	}
	switch h {
	case pos:
	case neg:
		x = -x
	default:
		p.SetErr(context, "hemisphere "+h)
		return 0
	}
	if x < -limit || x > limit {
		p.SetErr(context, v+" "+h+" out of range")
		return 0
	}
	return x
}

// ddmm converts ddmm.mmmm to degrees; both decode paths use it. The explicit
// conversions keep the compiler from fusing operations differently per call
// site (allowed on arm64), so both paths round alike.
func ddmm(x float64) float64 {
	deg := math.Floor(x / 100)
	return deg + float64(x-float64(deg*100))/60
}

// rmcFields reads the fields 0-8 (time to date) that RMC shares with Kenwood's
// $PKNDS/$PKLDS.
func rmcFields(p *nmea.Parser, s nmea.BaseSentence) nmea.RMC {
	return nmea.RMC{
		BaseSentence: s,
		Time:         timeOfDay(p, 0, "time"),
		Validity:     p.EnumString(1, "validity", nmea.ValidRMC, nmea.InvalidRMC),
		Latitude:     latLong(p, 2, true, "latitude"),
		Longitude:    latLong(p, 4, false, "longitude"),
		Speed:        p.Float64(6, "speed"),
		Course:       p.Float64(7, "course"),
		Date:         p.Date(8, "date"),
	}
}

func newRMC(s nmea.BaseSentence) (nmea.Sentence, error) {
	p := nmea.NewParser(s)
	m := rmcFields(p, s)
	m.Variation = p.Float64(9, "variation")
	if p.EnumString(10, "direction", nmea.West, nmea.East) == nmea.West {
		m.Variation = -m.Variation
	}
	if len(p.Fields) > 11 {
		m.FFAMode = p.String(11, "FAA mode")
	}
	// The NMEA 4.10 navigational status (field 12) says nothing radiogw uses.
	return m, p.Err()
}

func newGGA(s nmea.BaseSentence) (nmea.Sentence, error) {
	p := nmea.NewParser(s)
	return nmea.GGA{
		BaseSentence: s,
		Time:         timeOfDay(p, 0, "time"),
		Latitude:     latLong(p, 1, true, "latitude"),
		Longitude:    latLong(p, 3, false, "longitude"),
		FixQuality: p.EnumString(5, "fix quality", nmea.Invalid, nmea.GPS, nmea.DGPS, nmea.PPS,
			nmea.RTK, nmea.FRTK, nmea.EST, "7", "8"), // 7 manual, 8 simulator (NMEA 2.3)
		NumSatellites: p.Int64(6, "number of satellites"),
		HDOP:          p.Float64(7, "hdop"),
		Altitude:      p.Float64(8, "altitude"),
		Separation:    p.Float64(10, "separation"),
		DGPSAge:       p.String(12, "dgps age"),
		DGPSId:        p.String(13, "dgps id"),
	}, p.Err()
}

func newGNS(s nmea.BaseSentence) (nmea.Sentence, error) {
	p := nmea.NewParser(s)
	return nmea.GNS{
		BaseSentence: s,
		Time:         timeOfDay(p, 0, "time"),
		Latitude:     latLong(p, 1, true, "latitude"),
		Longitude:    latLong(p, 3, false, "longitude"),
		Mode: p.EnumChars(5, "mode", nmea.NoFixGNS, nmea.AutonomousGNS, nmea.DifferentialGNS,
			nmea.PreciseGNS, nmea.RealTimeKinematicGNS, nmea.FloatRTKGNS, nmea.EstimatedGNS,
			nmea.ManualGNS, nmea.SimulatorGNS),
		SVs:        p.Int64(6, "SVs"),
		HDOP:       p.Float64(7, "HDOP"),
		Altitude:   p.Float64(8, "altitude"),
		Separation: p.Float64(9, "separation"),
		Age:        p.Float64(10, "age"),
		Station:    p.Int64(11, "station"),
	}, p.Err()
}

func newGLL(s nmea.BaseSentence) (nmea.Sentence, error) {
	p := nmea.NewParser(s)
	m := nmea.GLL{
		BaseSentence: s,
		Latitude:     latLong(p, 0, true, "latitude"),
		Longitude:    latLong(p, 2, false, "longitude"),
		Time:         timeOfDay(p, 4, "time"),
		Validity:     p.EnumString(5, "validity", nmea.ValidGLL, nmea.InvalidGLL),
	}
	if len(p.Fields) > 6 {
		m.FFAMode = p.String(6, "FAA mode")
	}
	return m, p.Err()
}
