package mqtt

import "radiogw/avl"

// Companions are the per-unit topics other tools read besides
// <root>/units/<unit>: the OwnTracks mirror (location and card) and Home
// Assistant's discovery document and tracker payload. They follow the unit
// state: published with it, deleted with it.

// publishCompanions publishes a due unit's companion topics. announce adds
// the ones sent once per connection (the card, the discovery document),
// ahead of the location they describe.
func (s *Sink) publishCompanions(add func(string, []byte, pending), u *avl.Unit, announce bool) {
	if s.opts.OwnTracks {
		if announce {
			add(s.ownTracksTopic(u.ID)+"/info", OwnTracksCardPayload(u), pending{kind: "owntracks", unit: u.ID, announce: true})
		}
		if ot, err := s.arena.ownTracks(u, s.opts.DefaultAccuracyM); err != nil {
			s.log.Error("encode owntracks", "err", err)
		} else if ot != nil {
			add(s.ownTracksTopic(u.ID), ot, pending{kind: "owntracks", unit: u.ID})
		}
	}
	if s.opts.HomeAssistant {
		if announce {
			if cfg, err := s.haConfigPayload(u); err != nil {
				s.log.Error("encode home assistant discovery", "err", err)
			} else {
				add(s.haConfigTopic(u.ID), cfg, pending{kind: "homeassistant", unit: u.ID, announce: true})
			}
		}
		if tr, err := s.arena.tracker(s.opts.Site, u, s.opts.DefaultAccuracyM); err != nil {
			s.log.Error("encode tracker", "err", err)
		} else if tr != nil {
			add(s.haTrackerTopic(u.ID), tr, pending{kind: "tracker", unit: u.ID})
		}
	}
}

// forgetTopics are the retained topics a forgotten unit's deletes go to.
func (s *Sink) forgetTopics(id string) []string {
	topics := []string{s.topic("units", id)}
	if s.opts.OwnTracks {
		topics = append(topics, s.ownTracksTopic(id), s.ownTracksTopic(id)+"/info")
	}
	if s.opts.HomeAssistant {
		// The discovery document first: Home Assistant removes the entity
		// and no longer reads its tracker topic.
		topics = append(topics, s.haConfigTopic(id), s.haTrackerTopic(id))
	}
	return topics
}
