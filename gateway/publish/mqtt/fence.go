package mqtt

import (
	"encoding/json"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// The fence keeps a restart (or a reconnect) from rolling the wall back.
// On every connect, before any state is republished, the sink subscribes to
// its own retained units/+ and channels/+ and notes each one's time
// (`updated` for a unit, `since` for a channel). A state of ours older than
// what the broker retains is then not published: after a crash, a
// snapshot up to snapshot_every old never overwrites the newer states the
// previous process left on the broker. Equal times are published (derived
// fields such as the stale level may have moved on).
//
// The fence only reads the broker, so a warm standby could keep the same
// subscription open and feed it all the time: it would then never publish
// behind the active instance.
type fence struct {
	mu       sync.Mutex
	units    map[string]time.Time
	chans    map[string]time.Time
	building bool
	started  time.Time
	subacked time.Time // when the broker confirmed the subscription
	lastMsg  time.Time // the last retained message
	seen     int       // retained messages read while building
}

// Bounds of a fence build: the broker sends retained messages right after
// the SUBACK; fenceQuiet without one after it ends the build, fenceMax
// caps it (a broker with a huge retained set).
const (
	fenceQuiet = 150 * time.Millisecond
	fenceMax   = 1500 * time.Millisecond
)

// start begins a build after a (re)connect; what an earlier connection saw
// is forgotten (the broker may have restarted empty).
func (f *fence) start(now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.units, f.chans = map[string]time.Time{}, map[string]time.Time{}
	f.building, f.started, f.subacked, f.lastMsg, f.seen = true, now, time.Time{}, time.Time{}, 0
}

func (f *fence) suback(now time.Time) {
	f.mu.Lock()
	f.subacked = now
	f.mu.Unlock()
}

// ready reports whether the build is over at now, and ends it.
func (f *fence) ready(now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.building {
		return true
	}
	quietSince := f.subacked
	if f.lastMsg.After(quietSince) {
		quietSince = f.lastMsg
	}
	if !f.subacked.IsZero() && now.Sub(quietSince) >= fenceQuiet || now.Sub(f.started) >= fenceMax {
		f.building = false
	}
	return !f.building
}

func (f *fence) isBuilding() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.building
}

// observe records one retained message of a unit's or a channel's state
// (kind topicUnit or topicChannel) named name.
func (f *fence) observe(kind topicID, name string, payload []byte, now time.Time) {
	if len(payload) == 0 || name == "" {
		return
	}
	var p struct {
		Updated time.Time `json:"updated"`
		Since   time.Time `json:"since"`
	}
	if json.Unmarshal(payload, &p) != nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastMsg = now
	f.seen++
	switch kind {
	case topicUnit:
		if !p.Updated.IsZero() && p.Updated.After(f.units[name]) {
			f.units[name] = p.Updated
		}
	case topicChannel:
		if !p.Since.IsZero() && p.Since.After(f.chans[name]) {
			f.chans[name] = p.Since
		}
	}
}

// unitBehind reports whether the broker retains a newer state of unit id
// than one updated at t.
func (f *fence) unitBehind(id string, t time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.units[id]
	return ok && b.After(t)
}

func (f *fence) channelBehind(name string, t time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.chans[name]
	return ok && b.After(t)
}

// fenced are the topics whose retained state a fence build reads.
var fenced = []topicID{topicUnit, topicChannel}

// retainedTopics are the subscriptions a fence build reads.
func (s *Sink) retainedTopics() map[string]byte {
	subs := map[string]byte{}
	for _, id := range fenced {
		t := s.topicFor(id)
		subs[t.name("+")] = t.qos
	}
	return subs
}

// buildFence subscribes to our own retained state; the broker's SUBACK and
// messages arrive on paho's goroutines.
func (s *Sink) buildFence(now time.Time) {
	s.fence.start(now)
	tok := s.client.SubscribeMultiple(s.retainedTopics(), s.onRetained)
	go func() {
		if tok.WaitTimeout(fenceMax) && tok.Error() == nil {
			s.fence.suback(time.Now())
			s.poke()
		}
	}()
}

// endFence drops the subscription once the build is over: our own live
// publishes need not come back to us.
func (s *Sink) endFence() {
	var topics []string
	for t := range s.retainedTopics() {
		topics = append(topics, t)
	}
	s.client.Unsubscribe(topics...) // not waited on
}

// onRetained runs on paho's goroutine: record and return.
func (s *Sink) onRetained(_ paho.Client, m paho.Message) {
	if !m.Retained() {
		return // one of our own live publishes, echoed
	}
	for _, id := range fenced {
		if name, ok := s.topicFor(id).match(m.Topic()); ok {
			s.fence.observe(id, name, m.Payload(), time.Now())
			return
		}
	}
}
