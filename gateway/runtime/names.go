package runtime

import (
	"radiogw/gateway/decode"
	"radiogw/gateway/topicname"
)

// filterNames drops every observation that names a unit, radio or channel
// with a name that cannot be an MQTT topic level (topicname.Check), calling
// refuse for each. It runs on the source's goroutine, before the inbox, so
// such a name never reaches the trackers, the snapshot or a topic.
func filterNames(obs *decode.Observations, refuse func(reason, name string)) {
	bad := func(names ...string) bool {
		for _, n := range names {
			if n == "" {
				continue // absent: the tracker falls back (peer, source channel)
			}
			if r := topicname.Check(n); r != "" {
				refuse(r, n)
				return true
			}
		}
		return false
	}
	fixes := obs.Fixes[:0]
	for _, f := range obs.Fixes {
		id := f.DeviceID
		if id == "" {
			id = f.Peer // a fix without an ID is filed under its sender's address
		}
		if !bad(id) {
			fixes = append(fixes, f)
		}
	}
	obs.Fixes = fixes
	ids := obs.Identities[:0]
	for _, i := range obs.Identities {
		if !bad(i.DeviceID) {
			ids = append(ids, i)
		}
	}
	obs.Identities = ids
	evs := obs.Events[:0]
	for _, e := range obs.Events {
		if !bad(e.RadioID, e.Channel) {
			evs = append(evs, e)
		}
	}
	obs.Events = evs
}
