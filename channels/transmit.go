package channels

import "time"

// keyUp starts a transmission by radio (empty: carrier without an ID).
func (t *Tracker) keyUp(c *channel, radio, source string, at time.Time) []Change {
	if c == nil {
		return nil
	}
	var out []Change
	if c.keyed {
		switch {
		case radio == "" || radio == c.st.Talker:
			return nil // carrier under a known talker, or a repeated ID
		case c.st.Talker == "":
			// The decoder named the talker of a carrier-only transmission:
			// the same transmission, now identified.
			c.st.Talker = radio
			return []Change{
				{Kind: TransmissionStart, Time: at, Channel: c.st, RadioID: radio, Source: source},
				{Kind: ChannelUpdated, Time: at, Channel: c.st},
			}
		default:
			out = append(out, t.endTx(c, "", source, at, false))
		}
	}
	c.keyed, c.stuckRaised = true, false
	c.st.Busy, c.st.Talker, c.st.Since, c.st.StuckMic = true, radio, at, false
	c.st.LastActive = at
	if radio != "" {
		c.st.LastTalker = radio
		out = append(out, Change{Kind: TransmissionStart, Time: at, Channel: c.st, RadioID: radio, Source: source})
	}
	return append(out, Change{Kind: ChannelUpdated, Time: at, Channel: c.st})
}

// unkey ends the transmission in progress. radio is the ID heard at the end
// (post-ID), if any.
func (t *Tracker) unkey(c *channel, radio, source string, at time.Time) []Change {
	if c == nil {
		return nil
	}
	if !c.keyed {
		if radio == "" {
			return nil // carrier drop after the decoder already ended it
		}
		// A post-ID without a start: a transmission of unknown length.
		c.keyed = true
		c.st.Busy, c.st.Talker, c.st.Since = true, radio, at
	}
	end := t.endTx(c, radio, source, at, true)
	return []Change{end, {Kind: ChannelUpdated, Time: at, Channel: c.st}}
}

// endTx closes the current transmission. With hang, a channel with a hang
// time stays busy; without it (a new talker takes over) it stays keyed for
// the caller to restart.
func (t *Tracker) endTx(c *channel, radio, source string, at time.Time, hang bool) Change {
	talker := c.st.Talker
	if talker == "" {
		talker = radio
	}
	start := c.st.Since
	d := at.Sub(start)
	if d < 0 {
		d, start = 0, at
	}
	addAirtime(c, start, at)
	c.keyed, c.stuckRaised = false, false
	c.st.Talker, c.st.StuckMic, c.st.LastActive = "", false, at
	if talker != "" {
		c.st.LastTalker = talker
	}
	if hang {
		c.st.Since = at
		if c.cfg.HangTime > 0 {
			c.hang = at.Add(c.cfg.HangTime)
		} else {
			c.st.Busy = false
		}
	}
	return Change{Kind: TransmissionEnd, Time: at, Channel: c.st, RadioID: talker, Duration: d, Source: source}
}

// addAirtime adds the part of [start, end) inside end's UTC clock hour.
func addAirtime(c *channel, start, end time.Time) {
	h := end.Truncate(time.Hour)
	if !h.Equal(c.airHour) {
		c.st.AirtimeHour, c.airHour = 0, h
	}
	if start.Before(h) {
		start = h
	}
	c.st.AirtimeHour += end.Sub(start)
}
