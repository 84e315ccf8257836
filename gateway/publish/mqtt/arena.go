package mqtt

import (
	"time"

	"radiogw/avl"
)

// arena hands out payload buffers carved from large chunks: paho keeps a
// payload until its ack, so buffers cannot be reused, but one allocation per
// chunk instead of one per message keeps the garbage collector out of the
// publish path. A chunk is freed once every payload in it is acknowledged.
type arena struct {
	buf []byte
}

const (
	arenaChunk = 64 << 10
	arenaMin   = 2 << 10 // start a new chunk below this much room
)

func (a *arena) room() {
	if cap(a.buf)-len(a.buf) < arenaMin {
		a.buf = make([]byte, 0, arenaChunk)
	}
}

// take returns what was appended since start as its own slice, with a
// capacity limit so no later append can reach into the next payload.
func (a *arena) take(b []byte, start int) []byte {
	a.buf = b
	return b[start:len(b):len(b)]
}

func (a *arena) unit(site string, u *avl.Unit, now time.Time) ([]byte, error) {
	a.room()
	start := len(a.buf)
	b, err := AppendUnitPayload(a.buf, site, u, now)
	if err != nil {
		return nil, err
	}
	return a.take(b, start), nil
}

func (a *arena) ownTracks(u *avl.Unit, defaultAccM float64) ([]byte, error) {
	if u.Position == nil {
		return nil, nil
	}
	a.room()
	start := len(a.buf)
	b, err := AppendOwnTracksPayload(a.buf, u, defaultAccM)
	if err != nil {
		return nil, err
	}
	return a.take(b, start), nil
}

func (a *arena) tracker(site string, u *avl.Unit, defaultAccM float64) ([]byte, error) {
	if u.Position == nil {
		return nil, nil
	}
	a.room()
	start := len(a.buf)
	b, err := AppendTrackerPayload(a.buf, site, u, defaultAccM)
	if err != nil {
		return nil, err
	}
	return a.take(b, start), nil
}
