package sim

import (
	"math"
	"math/rand"
	"time"

	"github.com/paulmach/orb"
)

// Speeds and stops of a patrol car in town.
const (
	minSpeedKmh = 20
	maxSpeedKmh = 80
)

// vehicle is the motion state of one unit: it drives straight legs between
// random waypoints at a steady speed, and stops on arrival (a scene or a
// traffic stop) before picking the next one.
type vehicle struct {
	pos, target orb.Point
	speedKmh    float64 // cruising speed of the current leg
	heading     float64 // degrees true, kept while stopped
	stopLeft    time.Duration
	route       []orb.Point // the streets still to drive after target

	// Status follows the driving: a leg is either patrol or a call; a call
	// ends at a scene. status is the last status code sent, pending the
	// newest change not yet reported (0: none).
	call            bool
	status, pending byte
}

// Status codes of the common agency table the simulator follows.
const (
	statusAvailable byte = '1'
	statusEnroute   byte = '2'
	statusOnScene   byte = '3'
)

func (v *vehicle) setStatus(code byte) {
	if v.status != code {
		v.status, v.pending = code, code
	}
}

// newVehicle places a vehicle at a random point, parked for a random part
// of a minute so the field does not start in lockstep.
func newVehicle(a area, rng *rand.Rand) vehicle {
	v := vehicle{pos: a.randomPoint(rng), heading: float64(rng.Intn(360))}
	if a.roads != nil { // parked at the nearest street corner
		v.pos = a.roads.nodes[a.roads.nearest(v.pos)]
	}
	v.target = v.pos
	v.stopLeft = time.Duration(rng.Int63n(int64(time.Minute)))
	return v
}

// moving reports whether the vehicle is driving (speed > 0).
func (v *vehicle) moving() bool { return v.stopLeft == 0 && v.target != v.pos }

// speed is the current ground speed: 0 while stopped.
func (v *vehicle) speed() float64 {
	if v.moving() {
		return v.speedKmh
	}
	return 0
}

// advance moves the vehicle forward by dt.
func (v *vehicle) advance(a area, rng *rand.Rand, dt time.Duration) {
	for guard := 0; dt > 0 && guard < 64; guard++ {
		if v.stopLeft > 0 || v.target == v.pos {
			step := min(v.stopLeft, dt)
			v.stopLeft -= step
			dt -= step
			if v.stopLeft == 0 {
				v.depart(a, rng)
			}
			continue
		}
		dx, dy := metres(v.pos, v.target)
		dist := math.Hypot(dx, dy)
		travel := v.speedKmh / 3.6 * dt.Seconds()
		if travel >= dist {
			v.pos = v.target
			dt -= time.Duration(dist / (v.speedKmh / 3.6) * float64(time.Second))
			if len(v.route) > 0 { // turn onto the next street
				v.target, v.route = v.route[0], v.route[1:]
				v.face()
				continue
			}
			v.arrive(rng)
			continue
		}
		f := travel / dist
		v.pos = orb.Point{v.pos[0] + (v.target[0]-v.pos[0])*f, v.pos[1] + (v.target[1]-v.pos[1])*f}
		dt = 0
	}
}

// depart picks the next leg; a vehicle boxed in by the boundary waits a bit.
func (v *vehicle) depart(a area, rng *rand.Rand) {
	next, ok := a.nextWaypoint(rng, v.pos)
	if a.roads != nil {
		v.route = a.roads.route(rng, a.roads.nearest(v.pos))
		next, ok = v.pos, len(v.route) > 0
		if ok {
			next, v.route = v.route[0], v.route[1:]
		}
	}
	if !ok || next == v.pos {
		v.stopLeft = 10 * time.Second
		return
	}
	v.target = next
	v.speedKmh = minSpeedKmh + rng.Float64()*(maxSpeedKmh-minSpeedKmh)
	v.call = rng.Intn(2) == 0
	if v.call {
		v.setStatus(statusEnroute)
	} else {
		v.setStatus(statusAvailable)
	}
	v.face()
}

// face turns the vehicle towards its target.
func (v *vehicle) face() {
	dx, dy := metres(v.pos, v.target)
	v.heading = math.Mod(math.Atan2(dx, dy)*180/math.Pi+360, 360)
}

// arrive stops the vehicle: at the end of a call at the scene for one to
// four minutes, otherwise briefly, like at a light.
func (v *vehicle) arrive(rng *rand.Rand) {
	if v.call {
		v.stopLeft = time.Minute + time.Duration(rng.Int63n(int64(3*time.Minute)))
		v.setStatus(statusOnScene)
	} else {
		v.stopLeft = 5*time.Second + time.Duration(rng.Int63n(int64(15*time.Second)))
	}
}

// metres returns the east and north offsets from p to q on a local flat
// approximation.
func metres(p, q orb.Point) (dx, dy float64) {
	lat := (p[1] + q[1]) / 2 * math.Pi / 180
	return (q[0] - p[0]) * 111320 * math.Cos(lat), (q[1] - p[1]) * 110540
}
