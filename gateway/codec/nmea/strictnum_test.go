package nmea

import (
	"testing"

	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// Hex floats, exponents, inf and nan are what strconv.ParseFloat takes and
// no GPS receiver sends: a position written that way is refused.
func TestNonDecimalNumbersRefused(t *testing.T) {
	d, _ := New(decode.Options{})
	for _, l := range []string{
		"$GPRMC,120000,A,0x1p-2,N,01131.000,E,0,0,230394,,",
		"$GPRMC,120000,A,4807.038,N,0X1.8P3,E,0,0,230394,,",
		"$GPRMC,120000,A,4807.038,N,01131.000,E,0x1p4,0,230394,,",
		"$GPRMC,120000,A,4807.038,N,01131.000,E,1e3,0,230394,,",
		"$GPRMC,120000,A,4807.038,N,01131.000,E,inf,0,230394,,",
		"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0x1p0,545.4,M,46.9,M,,",
		"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,nan,M,46.9,M,,",
		"$GPGLL,4807.038,N,0x1p3,E,120000,A",
	} {
		obs, err := d.Decode(frame.Frame{Data: []byte(l)})
		if err == nil || len(obs.Fixes) != 0 {
			t.Errorf("%s: accepted (%v)", l, err)
		}
	}
	if obs, err := d.Decode(frame.Frame{Data: []byte("$GPRMC,120000,A,4807.038,N,01131.000,E,12.5,270.0,230394,,")}); err != nil || len(obs.Fixes) != 1 {
		t.Errorf("a plain RMC: %v", err)
	}
}
