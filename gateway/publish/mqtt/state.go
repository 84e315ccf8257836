package mqtt

import (
	"sort"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/avl"
	"radiogw/channels"
)

// MaxMapBytes is the largest map payload the sink publishes; it stays under
// the embedded broker's packet limit (broker.MaxPacketBytes, 16 MiB).
const MaxMapBytes = 15 << 20

type pending struct {
	topic    string
	payload  []byte
	token    paho.Token
	kind     string // unit, owntracks, forget, channel, map: the metrics label
	unit     string
	channel  string
	received time.Time
}

// publishState publishes dirty state; force ignores the per-unit rate ceiling
// (used on shutdown so the broker keeps the latest state). What is due is
// taken under the lock; encoding and publishing happen outside it, so Write
// (the tracker goroutine) never waits on JSON or on the network.
func (s *Sink) publishState(now time.Time, force bool) {
	minGap := time.Duration(float64(time.Second) / s.opts.UnitRate)
	type dueUnit struct {
		unit     avl.Unit
		received time.Time
	}
	var (
		units    []dueUnit
		chans    []channels.ChannelState
		forget   []string
		mapUnits []*avl.Unit
	)
	s.mu.Lock()
	for id, slot := range s.dirtyUnits {
		if !force && !slot.urgent && now.Sub(slot.lastPub) < minGap {
			continue // stays dirty: published when its gap has passed
		}
		delete(s.dirtyUnits, id)
		units = append(units, dueUnit{slot.unit, slot.received})
		slot.dirty, slot.urgent, slot.lastPub = false, false, now
	}
	for id := range s.forgotten {
		forget = append(forget, id)
	}
	for _, slot := range s.channels {
		if slot.dirty {
			chans = append(chans, slot.state)
			slot.dirty = false
		}
	}
	if s.mapDirty && (force || now.Sub(s.lastMap) >= s.opts.MapEvery) {
		mapUnits = make([]*avl.Unit, 0, len(s.units))
		for _, slot := range s.units {
			u := slot.unit
			mapUnits = append(mapUnits, &u)
		}
		s.mapDirty, s.lastMap = false, now
	}
	s.mu.Unlock()

	out := make([]pending, 0, len(units)+len(chans)+len(forget)+1)
	// Each message goes out as soon as it is encoded: the first unit of a
	// large round does not wait for the last one's JSON.
	add := func(p pending) {
		p.token = s.client.Publish(p.topic, 1, true, p.payload)
		p.payload = nil
		out = append(out, p)
	}
	for i := range units {
		u := &units[i].unit
		payload, err := UnitPayload(s.opts.Site, u, now)
		if err != nil {
			s.log.Error("encode unit", "err", err)
			continue
		}
		add(pending{topic: s.topic("units", u.ID), payload: payload, kind: "unit", unit: u.ID,
			received: units[i].received})
		if s.opts.OwnTracks {
			if ot, err := OwnTracksPayload(u); err == nil && ot != nil {
				add(pending{topic: "owntracks/" + s.opts.Site + "/" + u.ID, payload: ot, kind: "owntracks", unit: u.ID})
			}
		}
	}
	for _, id := range forget {
		add(pending{topic: s.topic("units", id), payload: []byte{}, kind: "forget", unit: id})
		if s.opts.OwnTracks {
			add(pending{topic: "owntracks/" + s.opts.Site + "/" + id, payload: []byte{}, kind: "forget", unit: id})
		}
	}
	for i := range chans {
		payload, err := ChannelPayload(s.opts.Site, &chans[i], s.opts.Resolve)
		if err != nil {
			s.log.Error("encode channel", "err", err)
			continue
		}
		add(pending{topic: s.topic("channels", chans[i].Name), payload: payload, kind: "channel", channel: chans[i].Name})
	}
	if mapUnits != nil {
		sort.Slice(mapUnits, func(i, j int) bool { return mapUnits[i].ID < mapUnits[j].ID })
		payload, err := MapPayload(s.opts.Site, mapUnits, now)
		switch {
		case err != nil:
			s.log.Error("encode map", "err", err)
		case len(payload) > MaxMapBytes:
			// Brokers cap packet sizes (the embedded one at 16 MiB); a map this
			// big (~40,000 units) is useless to a display anyway: units/# is
			// the way to follow such a fleet.
			s.fail("map_too_large")
			s.log.Warn("map not published: too large", "bytes", len(payload), "max", MaxMapBytes, "units", len(mapUnits))
		default:
			add(pending{topic: s.topic("map"), payload: payload, kind: "map"})
		}
	}
	s.confirm(out)
}

// confirm waits for the broker's acks; a state publish that failed is marked
// dirty again so the next round sends the latest state.
func (s *Sink) confirm(out []pending) {
	deadline := time.Now().Add(s.opts.WaitBudget)
	m := s.opts.Metrics
	for _, p := range out {
		ok := p.token.WaitTimeout(time.Until(deadline)) && p.token.Error() == nil
		if !ok {
			s.fail("state")
			s.redirty(p)
			continue
		}
		if p.kind == "forget" {
			s.mu.Lock()
			if s.units[p.unit] == nil {
				delete(s.forgotten, p.unit)
			}
			s.mu.Unlock()
			continue
		}
		if m != nil {
			if p.kind == "unit" && !p.received.IsZero() {
				m.PublishLatency.WithLabelValues(sinkName).Observe(time.Since(p.received).Seconds())
			}
			m.SinkPublished.WithLabelValues(sinkName, p.kind).Inc()
		}
	}
}

func (s *Sink) redirty(p pending) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case p.unit != "":
		if slot := s.units[p.unit]; slot != nil {
			slot.dirty = true
			s.dirtyUnits[p.unit] = slot
		}
	case p.channel != "":
		if slot := s.channels[p.channel]; slot != nil {
			slot.dirty = true
		}
	default:
		s.mapDirty = true
	}
}
