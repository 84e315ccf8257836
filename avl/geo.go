package avl

import "math"

const earthRadiusM = 6371008.8 // mean Earth radius (IUGG)

func rad(d float64) float64 { return d * math.Pi / 180 }

// haversineM is the great-circle distance in metres.
func haversineM(lat1, lon1, lat2, lon2 float64) float64 {
	dLat := rad(lat2 - lat1)
	dLon := rad(lon2 - lon1)
	s1, s2 := math.Sin(dLat/2), math.Sin(dLon/2)
	a := s1*s1 + math.Cos(rad(lat1))*math.Cos(rad(lat2))*s2*s2
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(a)))
}

// bearingDeg is the initial great-circle bearing from 1 to 2, 0..360 true.
func bearingDeg(lat1, lon1, lat2, lon2 float64) float64 {
	φ1, φ2 := rad(lat1), rad(lat2)
	dλ := rad(lon2 - lon1)
	y := math.Sin(dλ) * math.Cos(φ2)
	x := math.Cos(φ1)*math.Sin(φ2) - math.Sin(φ1)*math.Cos(φ2)*math.Cos(dλ)
	b := math.Atan2(y, x) * 180 / math.Pi
	return math.Mod(b+360, 360)
}
