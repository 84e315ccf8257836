package influx

import (
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	"radiogw/gateway/publish/lineproto"
	"radiogw/gateway/publish/outbox"
)

// encode turns a batch into outbox entries (s.entries, aliasing s.buf) and
// returns how many changes that should have been points could not be.
func (s *Sink) encode(b change.Batch) (invalid uint64) {
	site := s.opts.Site
	// Display events carry the unit resolved from the roster.
	clear(s.units)
	for i := range b.Events {
		if e := &b.Events[i]; e.RadioID != "" && e.Unit != "" {
			s.units[e.RadioID] = e.Unit
		}
	}
	for i := range b.Units {
		c := &b.Units[i]
		if c.Kind != avl.FixAccepted {
			continue
		}
		if !s.add(outbox.ClassPosition, lineproto.PositionTime(c), func(dst []byte) ([]byte, error) {
			return lineproto.Position(dst, site, c)
		}) {
			invalid++
		}
	}
	for i := range b.Channels {
		c := &b.Channels[i]
		var ok bool
		switch c.Kind {
		case channels.TransmissionEnd:
			ok = s.add(outbox.ClassEvent, c.Time.Add(-c.Duration), func(dst []byte) ([]byte, error) {
				return lineproto.Transmission(dst, site, s.unitOf(c.RadioID), c)
			})
		case channels.StatusChanged:
			ok = s.add(outbox.ClassEvent, c.Time, func(dst []byte) ([]byte, error) {
				return lineproto.Status(dst, site, s.unitOf(c.RadioID), c)
			})
		case channels.EmergencyRaised, channels.EmergencyRepeated, channels.EmergencyAcked, channels.EmergencyCleared:
			ok = s.add(outbox.ClassEvent, c.Time, func(dst []byte) ([]byte, error) {
				return lineproto.Emergency(dst, site, s.unitOf(lineproto.EmergencyRadio(c)), c)
			})
		default:
			continue
		}
		if !ok {
			invalid++
		}
	}
	// s.buf may have moved while growing: point the entries at the final one.
	off := 0
	for i := range s.entries {
		n := len(s.entries[i].Data)
		s.entries[i].Data = s.buf[off : off+n : off+n]
		off += n
	}
	return invalid
}

// add encodes one point onto s.buf and queues an entry for it.
func (s *Sink) add(class outbox.Class, t time.Time, enc func([]byte) ([]byte, error)) bool {
	start := len(s.buf)
	buf, err := enc(s.buf)
	if err != nil {
		return false
	}
	s.buf = buf
	s.entries = append(s.entries, outbox.Entry{Class: class, Time: t, Data: buf[start:]})
	return true
}

func (s *Sink) unitOf(radio string) string {
	if radio == "" {
		return ""
	}
	if u := s.units[radio]; u != "" {
		return u
	}
	if s.opts.UnitOf != nil {
		if u := s.opts.UnitOf(radio); u != "" {
			return u
		}
	}
	return radio
}
