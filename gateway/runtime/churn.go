package runtime

import (
	"sync"
	"time"
)

// churnLimiter bounds the log lines and display events of one source's
// peer connections: a modem coming and going is worth a line and an event,
// but a neighbour opening and closing thousands of connections a second
// must not fill the journal or the event outbox. Each connection is still
// counted; what is held back is counted and summarised in the next line let
// through.
type churnLimiter struct {
	mu         sync.Mutex
	window     time.Duration
	burst      int
	start      time.Time
	used       int
	suppressed int
}

// Up to churnBurst peer connects and disconnects per source are logged and
// published per churnWindow: a site's modems reconnecting after a cell
// outage still show, one by one, for the first few dozen.
const (
	churnWindow = 10 * time.Second
	churnBurst  = 40
)

func newChurnLimiter() *churnLimiter { return &churnLimiter{window: churnWindow, burst: churnBurst} }

// allow reports whether one more connection event may be logged and
// published, and how many were held back since the last one that was.
func (c *churnLimiter) allow(now time.Time) (suppressed int, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.start) >= c.window {
		c.start, c.used = now, 0
	}
	if c.used >= c.burst {
		c.suppressed++
		return 0, false
	}
	c.used++
	n := c.suppressed
	c.suppressed = 0
	return n, true
}
