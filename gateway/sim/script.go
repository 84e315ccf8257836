package sim

import (
	"math/rand"
	"strconv"
	"time"
)

// Console traffic: how often someone keys up on a channel, how often a
// unit sends a status, and which status codes (the MDC-1200 status byte;
// the site's status table gives them names).
const (
	meanPTTGap    = 6 * time.Second
	meanStatusGap = 20 * time.Second
	statusCodes   = 6 // 1..6, the common agency table (available ... out of service)
	appRptNode    = "1999"
)

// consoleLine is one decoder line due at a moment on a channel's console.
type consoleLine struct {
	at      time.Time
	channel int
	text    string
}

// script generates the console traffic: PTT IDs, status messages and
// emergencies from units that have an MDC-1200 ID, in time order.
type script struct {
	rng      *rand.Rand
	radios   []string // 4-hex-digit IDs
	statuses []string // IDs of units whose status the script changes
	channels []string
	emergEvy time.Duration

	nextPTT, nextStatus, nextEmerg time.Time
}

// newScript plays PTT and emergencies for all units, and status messages
// for statusUnits (units that do not drive and so have no status of their
// own to report).
func newScript(rng *rand.Rand, units, statusUnits []*unit, channels []string, emergencyEvery time.Duration, start time.Time) *script {
	s := &script{rng: rng, channels: channels, emergEvy: emergencyEvery}
	for _, u := range units {
		if isMDCID(u.RadioID) {
			s.radios = append(s.radios, u.RadioID)
		}
	}
	for _, u := range statusUnits {
		if isMDCID(u.RadioID) {
			s.statuses = append(s.statuses, u.RadioID)
		}
	}
	s.nextPTT = start.Add(s.gap(meanPTTGap / time.Duration(max(1, len(channels)))))
	s.nextStatus = start.Add(s.gap(meanStatusGap))
	if len(s.statuses) == 0 {
		s.nextStatus = time.Time{}
	}
	if emergencyEvery > 0 {
		// the first one comes early so a demo shows it within a minute
		s.nextEmerg = start.Add(min(emergencyEvery, 30*time.Second))
	}
	return s
}

// isMDCID reports whether id is an MDC-1200 unit ID as app_rpt prints it.
func isMDCID(id string) bool {
	if len(id) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// gap draws an exponential gap with the given mean, at least a second.
func (s *script) gap(mean time.Duration) time.Duration {
	return time.Second + time.Duration(s.rng.ExpFloat64()*float64(mean))
}

// next returns the next line; ok is false when there are no radios to talk.
func (s *script) next() (consoleLine, bool) {
	if len(s.radios) == 0 || len(s.channels) == 0 {
		return consoleLine{}, false
	}
	id := s.radios[s.rng.Intn(len(s.radios))]
	ch := s.rng.Intn(len(s.channels))
	var l consoleLine
	switch {
	case !s.nextEmerg.IsZero() && !s.nextEmerg.After(s.nextPTT) && (s.nextStatus.IsZero() || !s.nextEmerg.After(s.nextStatus)):
		l = consoleLine{at: s.nextEmerg, channel: ch, text: "E" + id}
		s.nextEmerg = s.nextEmerg.Add(s.emergEvy)
	case !s.nextStatus.IsZero() && !s.nextStatus.After(s.nextPTT):
		code := 1 + s.rng.Intn(statusCodes)
		id = s.statuses[s.rng.Intn(len(s.statuses))]
		l = consoleLine{at: s.nextStatus, channel: ch, text: "S" + id + "-" + strconv.Itoa(code)}
		s.nextStatus = s.nextStatus.Add(s.gap(meanStatusGap))
	default:
		l = consoleLine{at: s.nextPTT, channel: ch, text: "I" + id}
		s.nextPTT = s.nextPTT.Add(s.gap(meanPTTGap / time.Duration(len(s.channels))))
	}
	l.text = appRptLine(l.at, l.text)
	return l, true
}

// appRptLine formats a decode as app_rpt's mdclog does:
// "20261123221405 1999 I1201" (UTC timestamp, node number, data).
func appRptLine(t time.Time, data string) string {
	return t.UTC().Format("20060102150405") + " " + appRptNode + " " + data
}
