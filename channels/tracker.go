package channels

import (
	"errors"
	"sort"
	"time"
)

// ErrUnknownEmergency is returned by Ack and Clear for an ID that was never
// latched (or was cleared so long ago that it was forgotten).
var ErrUnknownEmergency = errors.New("unknown emergency")

// clearedMemory is how many cleared emergency IDs are remembered so that a
// repeated ack or clear from a console is a no-op rather than an error.
const clearedMemory = 256

// channel is one channel's public state plus the bookkeeping behind it.
type channel struct {
	cfg   ChannelConfig
	st    ChannelState
	keyed bool      // a transmission (PTT or carrier) is in progress
	hang  time.Time // while !keyed and st.Busy: busy until this instant
	// stuckRaised: the StuckMic change for this transmission was emitted.
	stuckRaised bool
	airHour     time.Time // the UTC hour st.AirtimeHour belongs to
	// endsSeen: this channel's sources report transmission ends (a ptt_end,
	// carrier_up or carrier_down was heard). Until then a PTT ID is taken as
	// ID-only signalling and held for IDOnlyHold.
	endsSeen bool
}

// IDOnlyHold is how long a channel whose sources never reported the end of a
// transmission (a pre-ID decoder without COR) shows the talker after its ID.
// Such a channel raises no stuck-mic alarm: radiogw cannot know how long the
// radio talked.
const IDOnlyHold = 5 * time.Second

// Tracker holds every channel's state and the latched emergencies. It is not
// safe for concurrent use: one goroutine owns it.
type Tracker struct {
	cfg         Config
	chans       map[string]*channel
	names       []string                   // channel names, sorted, for deterministic output
	emerg       map[string]*EmergencyState // active, by ID
	byRadio     map[string]string          // radio ID -> active emergency ID
	cleared     map[string]EmergencyState  // recently cleared, by ID
	clearedFIFO []string
}

// NewTracker builds a tracker for cfg with every channel idle.
func NewTracker(cfg Config) *Tracker {
	t := &Tracker{
		chans:   make(map[string]*channel),
		emerg:   make(map[string]*EmergencyState),
		byRadio: make(map[string]string),
		cleared: make(map[string]EmergencyState),
	}
	t.Reconfigure(cfg, time.Time{})
	return t
}

// Reconfigure replaces the configuration. Channels that remain keep their
// state (a reload does not blank a busy channel); new ones start idle at now;
// removed ones are forgotten. Emergencies are kept whatever happens to their
// channel.
func (t *Tracker) Reconfigure(cfg Config, now time.Time) []Change {
	t.cfg = cfg
	var out []Change
	next := make(map[string]*channel, len(cfg.Channels))
	for _, cc := range cfg.Channels {
		c, ok := t.chans[cc.Name]
		if !ok {
			c = &channel{st: ChannelState{Name: cc.Name, Since: now}}
		}
		before := c.st
		c.cfg = cc
		c.st.AlphaTag, c.st.Freq, c.st.Talkgroup, c.st.System = cc.AlphaTag, cc.Freq, cc.Talkgroup, cc.System
		next[cc.Name] = c
		if !ok || before != c.st {
			out = append(out, Change{Kind: ChannelUpdated, Time: now, Channel: c.st})
		}
	}
	t.chans = next
	t.names = t.names[:0]
	for n := range next {
		t.names = append(t.names, n)
	}
	sort.Strings(t.names)
	for _, c := range t.chans {
		t.refreshEmergencyFlag(c)
	}
	return out
}

// Channel returns one channel's state.
func (t *Tracker) Channel(name string) (ChannelState, bool) {
	c, ok := t.chans[name]
	if !ok {
		return ChannelState{}, false
	}
	return c.st, true
}

// Channels returns every channel, sorted by name.
func (t *Tracker) Channels() []ChannelState {
	out := make([]ChannelState, 0, len(t.names))
	for _, n := range t.names {
		out = append(out, t.chans[n].st)
	}
	return out
}

// Emergencies returns the active emergencies, oldest first.
func (t *Tracker) Emergencies() []EmergencyState {
	out := make([]EmergencyState, 0, len(t.emerg))
	for _, e := range t.emerg {
		out = append(out, *e)
	}
	sortEmergencies(out)
	return out
}

func sortEmergencies(es []EmergencyState) {
	sort.Slice(es, func(i, j int) bool {
		if !es[i].Since.Equal(es[j].Since) {
			return es[i].Since.Before(es[j].Since)
		}
		return es[i].ID < es[j].ID
	})
}

// Apply feeds one decoded event and returns what changed. An event whose
// channel is empty or not configured has no channel effects, but its
// emergency, status or radio check is still handled. The event's radio
// alias rides on every change about its radio.
func (t *Tracker) Apply(e Event) []Change {
	out := t.apply(e)
	if e.RadioAlias != "" {
		for i := range out {
			if out[i].RadioID == e.RadioID {
				out[i].RadioAlias = e.RadioAlias
			}
		}
	}
	return out
}

func (t *Tracker) apply(e Event) []Change {
	at := e.Time
	if at.IsZero() {
		at = e.Received
	}
	c := t.chans[e.Channel]
	if c != nil && (e.Kind == PTTEnd || e.Kind == CarrierUp || e.Kind == CarrierDown) {
		c.endsSeen = true
	}
	if c == nil && e.RadioID != "" && e.Channel != "" {
		if ch, ok := unconfigured(e, at); ok {
			return ch
		}
	}
	switch e.Kind {
	case PTTStart:
		return t.keyUp(c, e.RadioID, e.Source, at)
	case PTTEnd:
		return t.unkey(c, e.RadioID, e.Source, at)
	case CarrierUp:
		return t.keyUp(c, "", e.Source, at)
	case CarrierDown:
		return t.unkey(c, "", e.Source, at)
	case Emergency:
		return t.raise(e, at)
	case EmergencyAck:
		return t.settleFromEvent(e, at, t.Ack)
	case EmergencyClear:
		return t.settleFromEvent(e, at, t.Clear)
	case Status:
		return []Change{t.status(c, e, at)}
	case RadioCheck, RadioOff, RadioOn:
		ch := Change{Kind: RadioCheckSeen, Time: at, RadioID: e.RadioID, Source: e.Source}
		switch e.Kind {
		case RadioOff:
			ch.Kind = RadioOffSeen
		case RadioOn:
			ch.Kind = RadioOnSeen
		}
		if c != nil {
			ch.Channel = c.st
		}
		return []Change{ch}
	}
	return nil
}

// unconfigured handles a named radio's activity on a channel (a trunked
// talkgroup) that the configuration does not list. radiogw keeps no state
// for it, since the names come off the wire, but the radio was heard there:
// the change carries the channel's name so the unit's last channel, last
// heard and talking follow, and the display event still goes out.
func unconfigured(e Event, at time.Time) ([]Change, bool) {
	ch := Change{Time: at, Channel: ChannelState{Name: e.Channel}, RadioID: e.RadioID, Source: e.Source}
	switch e.Kind {
	case PTTStart:
		ch.Kind = TransmissionStart
	case PTTEnd, CarrierDown:
		ch.Kind, ch.Duration = TransmissionEnd, max(e.Duration, 0)
	case RadioCheck:
		ch.Kind = RadioCheckSeen
	case RadioOff:
		ch.Kind = RadioOffSeen
	case RadioOn:
		ch.Kind = RadioOnSeen
	default:
		return nil, false
	}
	return []Change{ch}, true
}

func (t *Tracker) status(c *channel, e Event, at time.Time) Change {
	table := t.cfg.DefaultStatusTable
	if c != nil && c.cfg.StatusTable != "" {
		table = c.cfg.StatusTable
	}
	word, ok := t.cfg.StatusTables[table][e.Status]
	if !ok || word == "" {
		word = "status-" + e.Status
	}
	ch := Change{Kind: StatusChanged, Time: at, RadioID: e.RadioID, Status: word,
		StatusCode: e.Status, Source: e.Source}
	if c != nil {
		ch.Channel = c.st
	}
	return ch
}

// Expire ends hang times and raises stuck-mic alarms due at now. It also rolls
// the per-hour airtime over when the clock hour changed.
func (t *Tracker) Expire(now time.Time) []Change {
	var out []Change
	for _, name := range t.names {
		c := t.chans[name]
		changed := false
		if h := now.Truncate(time.Hour); c.st.AirtimeHour != 0 && h.After(c.airHour) {
			c.st.AirtimeHour, c.airHour = 0, h
		}
		if c.keyed && !c.endsSeen && c.st.Talker != "" && now.Sub(c.st.Since) >= IDOnlyHold {
			// Length unknown: reported as 0 long, ending now.
			c.st.Since = now
			out = append(out, t.endTx(c, "", "", now, true))
			changed = true
		}
		if c.keyed && c.endsSeen && c.cfg.StuckMic > 0 && !c.stuckRaised && now.Sub(c.st.Since) >= c.cfg.StuckMic {
			c.stuckRaised, c.st.StuckMic, changed = true, true, true
			out = append(out, Change{Kind: StuckMic, Time: now, Channel: c.st, RadioID: c.st.Talker,
				Duration: now.Sub(c.st.Since)})
		}
		if !c.keyed && c.st.Busy && !now.Before(c.hang) {
			c.st.Busy, c.st.Since, changed = false, c.hang, true
		}
		if changed {
			out = append(out, Change{Kind: ChannelUpdated, Time: now, Channel: c.st})
		}
	}
	return out
}
