package sim

import (
	"fmt"
	"net/netip"
	"strconv"

	"radiogw/hcl"
)

// GenerateUnits makes n unit identities, reporting in turn in each of the
// given protocols (ProtoNMEA, ProtoTAIP, ProtoLRRP; none: console only):
//
//   - call signs "1A10", "2A10", ... "9A10", "1B10", ... (district, letter, number);
//   - MDC-1200 radio IDs 1000, 1001, ... in hex (4 digits, so IDs repeat after
//     61,440 units);
//   - AVL IDs 5000, 5001, ... for NMEA and TAIP modems, loopback
//     addresses 127.1.0.1, 127.1.0.2, ... for LRRP radios, and ESNs
//     4631000000 + i for CalAmp LMUs.
//
// LRRP is skipped once MaxSocketUnits radios have it.
func GenerateUnits(n int, protocols []string) []SimUnit {
	out := make([]SimUnit, 0, n)
	lrrpN := 0
	for i := range n {
		u := SimUnit{
			CallSign: fmt.Sprintf("%d%c%d", i%9+1, 'A'+(i/9)%26, 10+i/(9*26)),
			RadioID:  fmt.Sprintf("%04X", 0x1000+i%0xF000),
		}
		if len(protocols) > 0 {
			u.Protocol = protocols[i%len(protocols)]
			if u.Protocol == ProtoLRRP && lrrpN >= MaxSocketUnits {
				u.Protocol = protocols[(i+1)%len(protocols)]
				if u.Protocol == ProtoLRRP {
					u.Protocol = ""
				}
			}
		}
		switch u.Protocol {
		case ProtoLRRP:
			lrrpN++
			u.AVLID = RadioHost(lrrpN)
		case ProtoCalAmp:
			u.AVLID = strconv.Itoa(4631000000 + i) // an ESN
		default:
			u.AVLID = strconv.Itoa(5000 + i)
		}
		out = append(out, u)
	}
	return out
}

// RadioHost is the loopback address of the n-th simulated LRRP radio
// (n from 1): 127.1.0.1, ..., 127.1.0.255, 127.1.1.0, ...
func RadioHost(n int) string {
	return fmt.Sprintf("127.1.%d.%d", n>>8&0xff, n&0xff)
}

// UnitsFromRoster simulates the units of a configuration. Each unit uses
// its first radio ID (for the console) and first AVL ID; an AVL ID that is
// an IPv4 loopback address makes an LRRP radio, one of 10 or more digits (an
// ESN or IMEI) a CalAmp LMU, others alternate between
// NMEA and TAIP modems. Units without an AVL ID only talk on the console.
func UnitsFromRoster(units []hcl.Unit) []SimUnit {
	out := make([]SimUnit, 0, len(units))
	modems := 0
	for _, u := range units {
		su := SimUnit{CallSign: u.CallSign}
		if len(u.RadioIDs) > 0 {
			su.RadioID = u.RadioIDs[0]
		}
		if len(u.AVLIDs) > 0 {
			su.AVLID = u.AVLIDs[0]
			if a, err := netip.ParseAddr(su.AVLID); err == nil && a.Is4() && a.IsLoopback() {
				su.Protocol = ProtoLRRP
			} else if isMobileID(su.AVLID) {
				su.Protocol = ProtoCalAmp
			} else {
				su.Protocol = []string{ProtoNMEA, ProtoTAIP}[modems%2]
				modems++
			}
		}
		out = append(out, su)
	}
	return out
}
