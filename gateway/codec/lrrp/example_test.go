package lrrp_test

import (
	"fmt"
	"time"

	"radiogw/gateway/codec/lrrp"
)

// After an ARS registration from 12.0.4.210, radiogw asks the radio for a
// report every 30 seconds at its LRRP port.
func ExampleTriggeredLocationRequest() {
	id, _ := lrrp.RadioID("12.0.4.210:4005")
	fmt.Println(id, lrrp.RadioAddress(id, lrrp.CAIRadios)+":4001")
	fmt.Printf("% X\n", lrrp.TriggeredLocationRequest(1, 30*time.Second))
	// Output:
	// 1234 12.0.4.210:4001
	// 09 0C 22 04 00 00 00 01 51 57 62 34 31 1E
}

func ExampleParse() {
	// A triggered report from a stationary radio (ok-dmrlib test capture).
	doc, err := lrrp.Parse([]byte{0x0d, 0x16, 0x22, 0x04, 0xc0, 0, 0, 0, 0x51, 0x48, 0x61, 0x0c, 0x34,
		0x0a, 0xd0, 0xec, 0xf7, 0x0c, 0x12, 0x6c, 0x00, 0x36, 0x56, 0xa2})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %08X %.6f %.6f r=%.2fm %.2fkm/h %v°\n", doc.Type, doc.RequestID,
		doc.Lat, doc.Lon, doc.RadiusM, doc.SpeedMS*3.6, doc.Direction)
	// Output:
	// triggered-location-report C0000000 50.891549 15.210163 r=12.14m 1.52km/h 324°
}
