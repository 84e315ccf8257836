package sim

import (
	"math/rand"
	"net"
	"sync/atomic"
	"time"

	"radiogw/gateway/codec/lrrp"
)

// wheelTick is the resolution of the time wheel: each unit reports in one
// fixed slot of its interval, so a tick touches only 1/(rate/tick) of the
// units and a 100,000-unit field needs no goroutine or timer per unit.
const wheelTick = 20 * time.Millisecond

// How often a unit repeats its identity: a modem's $PSIWMDID and a radio's
// ARS registration (until radiogw answers it), so a restarted radiogw
// learns who is who again.
const (
	identityEvery = 30
	arsEvery      = 15
)

// destinations of a message
type dest uint8

const (
	toNMEA dest = iota
	toTAIP
	toLRRP
	toARS
	toCalAmp
	numDests
)

// unit is one simulated unit's state. The stream goroutine owns everything
// but the LRRP trigger, which the radio's socket reader sets.
type unit struct {
	SimUnit
	v         vehicle
	reports   int
	ownSocket bool // NMEA: identity sentence from its own socket, not an ID prefix
	conn      *net.UDPConn
	channel   int // console channel its status messages go out on

	triggered atomic.Bool   // LRRP: radiogw asked for triggered reports
	requestID atomic.Uint32 // LRRP: the request to echo
}

// field is the whole simulated world: one stream per protocol and the
// console script.
type field struct {
	area    area
	units   []*unit
	streams []*stream
	script  *script
}

func newField(o Options, start time.Time) *field {
	rng := rand.New(rand.NewSource(o.Seed))
	f := &field{area: newArea(o.Boundary, o.Center)}
	if len(o.Roads) > 0 {
		f.area.roads = newRoads(o.Roads, f.area)
	}
	byProto := map[string][]*unit{}
	for _, su := range o.UnitIDs {
		u := &unit{SimUnit: su, v: newVehicle(f.area, rng), channel: rng.Intn(len(o.Channels))}
		f.units = append(f.units, u)
		byProto[su.Protocol] = append(byProto[su.Protocol], u)
	}
	nmeaOwn := len(byProto[ProtoNMEA]) <= MaxSocketUnits
	for _, u := range byProto[ProtoNMEA] {
		u.ownSocket = nmeaOwn
	}
	driving := map[*unit]bool{}
	for _, p := range o.enabledProtocols() {
		us := byProto[p]
		if len(us) == 0 {
			continue
		}
		f.streams = append(f.streams, newStream(p, f.area, us, o.Rate, start, rand.New(rand.NewSource(rng.Int63())), o.ARSAddr != ""))
		for _, u := range us {
			driving[u] = true
		}
	}
	// Units that drive send their status as they go (en route, on scene,
	// available); the others send one now and then from the script.
	var idle []*unit
	for _, u := range f.units {
		if !driving[u] {
			idle = append(idle, u)
		}
	}
	f.script = newScript(rand.New(rand.NewSource(rng.Int63())), f.units, idle, o.Channels, o.EmergencyEvery, start)
	return f
}

// statusQueue carries status lines from the streams to the console; the
// streams never wait on it.
type statusQueue struct {
	lines   chan consoleLine
	dropped atomic.Int64
}

func newStatusQueue() *statusQueue { return &statusQueue{lines: make(chan consoleLine, 1024)} }

func (q *statusQueue) put(l consoleLine) {
	select {
	case q.lines <- l:
	default:
		q.dropped.Add(1)
	}
}

// stream is one protocol's time wheel.
type stream struct {
	proto      string
	area       area
	rng        *rand.Rand
	units      []*unit
	slots      [][]int32 // unit indices per slot
	tick, rate time.Duration
	start      time.Time
	next       int // next tick to run
	ars        bool
	buf        []byte
	status     *statusQueue // nil: no console
}

func newStream(proto string, a area, units []*unit, rate time.Duration, start time.Time, rng *rand.Rand, ars bool) *stream {
	tick := min(wheelTick, rate)
	n := max(1, int(rate/tick))
	s := &stream{proto: proto, area: a, rng: rng, units: units, slots: make([][]int32, n),
		tick: tick, rate: tick * time.Duration(n), start: start, ars: ars, buf: make([]byte, 0, 256)}
	for i := range units {
		slot := rng.Intn(n)
		s.slots[slot] = append(s.slots[slot], int32(i))
	}
	return s
}

// sendFunc delivers one message from a unit; b is reused after it returns.
type sendFunc func(u *unit, d dest, b []byte)

// step runs the next tick: every unit in its slot moves on by one interval
// and reports.
func (s *stream) step(send sendFunc) {
	t := s.start.Add(time.Duration(s.next) * s.tick)
	for _, i := range s.slots[s.next%len(s.slots)] {
		u := s.units[i]
		if u.reports > 0 {
			u.v.advance(s.area, s.rng, s.rate)
		}
		if code := u.v.pending; code != 0 {
			u.v.pending = 0
			if s.status != nil && isMDCID(u.RadioID) {
				s.status.put(consoleLine{at: t, channel: u.channel,
					text: appRptLine(t, "S"+u.RadioID+"-"+string(rune(code)))})
			}
		}
		u.reports++
		s.emit(u, t, send)
	}
	s.next++
}

// skip drops n ticks: the wheel turns on, and the units pick up where they
// were, as after a radio outage.
func (s *stream) skip(n int) { s.next += n }

func (s *stream) emit(u *unit, t time.Time, send sendFunc) {
	lat, lon := u.v.pos[1], u.v.pos[0]
	speed, heading := u.v.speed(), u.v.heading
	b := s.buf[:0]
	switch s.proto {
	case ProtoNMEA:
		if u.ownSocket {
			if (u.reports-1)%identityEvery == 0 {
				send(u, toNMEA, appendIdentity(b, u.AVLID))
			}
		} else {
			b = append(append(b, u.AVLID...), ',')
		}
		b = appendRMC(b, t, lat, lon, speed, heading)
		send(u, toNMEA, b)
	case ProtoTAIP:
		b = appendTAIP(b, t, u.AVLID, lat, lon, speed, heading)
		send(u, toTAIP, b)
	case ProtoLRRP:
		trig := u.triggered.Load()
		if s.ars && !trig && (u.reports-1)%arsEvery == 0 {
			id := u.RadioID
			if id == "" {
				id = u.AVLID
			}
			send(u, toARS, appendARSRegister(b, id))
		}
		b = lrrp.AppendReport(b[:0], lrrp.Report{Triggered: trig, RequestID: u.requestID.Load(), Time: t,
			Lat: lat, Lon: lon, RadiusM: 5, SpeedKmh: speed, Heading: heading}) // 5 m: a good GPS fix
		send(u, toLRRP, b)
	case ProtoCalAmp:
		b = appendCalAmp(b, u, t, lat, lon, speed, heading)
		send(u, toCalAmp, b)
	}
	s.buf = b[:0]
}
