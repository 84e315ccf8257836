package nmea

import (
	"strings"

	nmea "github.com/adrianmo/go-nmea"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// Kenwood radios relay a unit's GPS position to the dispatch radio, which
// prints it as an RMC with the sender's identity and status appended:
//
//	$PKLDS,hhmmss,A,lat,N,lon,E,kn,course,ddmmyy,var,<dir>VV,fleet,unit,status,ext*hh  (FleetSync)
//	$PKNDS,hhmmss,A,lat,N,lon,E,kn,course,ddmmyy,var,<dir>VV,unit,status,ext,*hh       (NXDN/DMR)
//
// VV is the sentence version, prefixed with the magnetic variation direction.
const (
	typePKNDS = "KNDS"
	typePKLDS = "KLDS"
)

type kenwood struct {
	nmea.BaseSentence
	rmc    nmea.RMC // the RMC part, parsed by go-nmea's rules
	Fleet  string   // FleetSync fleet (PKLDS only)
	Unit   string   // unit ID as sent
	Status string   // status code as sent; empty or zero means none
}

func newKenwood(s nmea.BaseSentence) (nmea.Sentence, error) {
	p := nmea.NewParser(s)
	k := kenwood{BaseSentence: s}
	k.rmc = rmcFields(p, s)
	if s.Type == typePKLDS {
		k.Fleet = strings.TrimSpace(p.String(11, "fleet"))
		k.Unit = strings.TrimSpace(p.String(12, "unit id"))
		k.Status = statusCode(p.String(13, "status"))
	} else {
		k.Unit = strings.TrimSpace(p.String(11, "unit id"))
		k.Status = statusCode(p.String(12, "status"))
	}
	if p.Err() == nil && k.deviceID() == "" {
		p.SetErr("unit id", "empty")
	}
	return k, p.Err()
}

// deviceID is "<fleet>-<unit>" for FleetSync and the unit number for NXDN/DMR
// (fixed 'U' prefix and zero padding removed: "U00001" and "001" are unit 1).
func (k kenwood) deviceID() string {
	if k.Type == typePKLDS {
		if k.Fleet == "" || k.Unit == "" {
			return ""
		}
		return k.Fleet + "-" + k.Unit
	}
	return trimZeros(strings.TrimPrefix(k.Unit, "U"))
}

func (k kenwood) observe(f frame.Frame) (decode.Observations, error) {
	var obs decode.Observations
	fx, err := toFix(k.rmc, f)
	if err != nil {
		return obs, err
	}
	fx.DeviceID, fx.IDKind = k.deviceID(), avl.RadioID
	obs.Fixes = append(obs.Fixes, fx)
	if k.Status != "" {
		system := "nxdn"
		if k.Type == typePKLDS {
			system = "fleetsync"
		}
		obs.Events = append(obs.Events, channels.Event{
			Kind: channels.Status, Source: f.Source, RadioID: fx.DeviceID, System: system,
			Status: k.Status, Time: fx.Time, Received: f.Received,
		})
	}
	return obs, nil
}

// statusCode normalises a status field: "0028" is status 28; zero or empty
// means the radio sent no status.
func statusCode(s string) string {
	s = trimZeros(strings.TrimSpace(s))
	if s == "0" || s == "" {
		return ""
	}
	return s
}

func trimZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" && s != "" {
		return "0"
	}
	return t
}
