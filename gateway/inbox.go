package gateway

import (
	"sync"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/codec"
	"radiogw/gateway/publish"
)

// item is one decoded observation on its way to the trackers.
type item struct {
	fix      *avl.Fix
	event    *channels.Event
	identity *codec.Identity
	request  *codec.Request
	sys      *publish.Event // source up/down and other runtime events
	source   string
}

// inbox hands observations from the sources to the tracker goroutine. Sources
// never wait on it: serial and UDP cannot be paused. Above its soft cap,
// positions coalesce per device (the latest wins, counted) while channel
// events, emergencies and identities are still queued in order: they are never
// dropped, and the overflow is counted so an alarm can fire.
type inbox struct {
	mu        sync.Mutex
	items     []item
	latest    map[string]avl.Fix // coalesced fixes, by source+device
	softCap   int
	notify    chan struct{}
	coalesced func(n int) // counts fixes replaced by a newer one
	overCap   func()      // counts events queued above the cap
}

func newInbox(softCap int, coalesced func(int), overCap func()) *inbox {
	return &inbox{softCap: softCap, latest: map[string]avl.Fix{}, notify: make(chan struct{}, 1),
		coalesced: coalesced, overCap: overCap}
}

func (in *inbox) push(src string, obs *codec.Observations) {
	in.mu.Lock()
	for i := range obs.Identities {
		in.items = append(in.items, item{identity: &obs.Identities[i], source: src})
	}
	for i := range obs.Requests {
		in.items = append(in.items, item{request: &obs.Requests[i], source: src})
	}
	for i := range obs.Events {
		if len(in.items) >= in.softCap {
			in.overCap()
		}
		in.items = append(in.items, item{event: &obs.Events[i], source: src})
	}
	for i := range obs.Fixes {
		f := &obs.Fixes[i]
		if len(in.items) < in.softCap {
			in.items = append(in.items, item{fix: f, source: src})
			continue
		}
		key := f.Source + "\x00" + f.DeviceID + "\x00" + f.Peer
		if _, ok := in.latest[key]; ok {
			in.coalesced(1)
		}
		in.latest[key] = *f
	}
	in.mu.Unlock()
	select {
	case in.notify <- struct{}{}:
	default:
	}
}

// take returns everything queued, in arrival order, then the coalesced fixes.
func (in *inbox) take(buf []item) []item {
	in.mu.Lock()
	defer in.mu.Unlock()
	buf = append(buf[:0], in.items...)
	clear(in.items)
	in.items = in.items[:0]
	for k, f := range in.latest {
		f := f
		buf = append(buf, item{fix: &f, source: f.Source})
		delete(in.latest, k)
	}
	return buf
}

func (in *inbox) depth() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.items) + len(in.latest)
}

// pushEvent queues a runtime event (source up/down) in order with the rest.
func (in *inbox) pushEvent(e publish.Event) {
	in.mu.Lock()
	in.items = append(in.items, item{sys: &e, source: e.Source})
	in.mu.Unlock()
	select {
	case in.notify <- struct{}{}:
	default:
	}
}
