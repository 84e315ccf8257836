package mqtt

import (
	"context"
	"fmt"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// onConnect runs in paho's goroutine after every (re)connect: it subscribes
// (a clean session forgets subscriptions) and asks the run loop to republish
// every retained topic, since the broker may have restarted empty.
func (s *Sink) onConnect(c paho.Client) {
	s.gauge(1)
	if m := s.opts.Metrics; m != nil {
		m.SinkReconnects.WithLabelValues(sinkName).Inc()
	}
	s.log.Info("connected to broker", "broker", s.opts.Broker)
	c.Subscribe(s.topic("commands", "+"), 1, s.onCommand) // not waited on: never block in a handler
	c.Subscribe(s.topic("status"), 1, s.onStatus)
	s.republishAll.Store(true)
	s.poke()
}

// onCommand runs in paho's goroutine: it parses and hands the command on
// without blocking. Rejections are counted here; accepted commands are counted
// by whoever applies them (OnCommand), with the tracker's verdict.
func (s *Sink) onCommand(_ paho.Client, m paho.Message) {
	suffix := m.Topic()[min(len(m.Topic()), len(s.topic("commands"))+1):]
	cmd, err := ParseCommand(suffix, m.Payload())
	if err != nil {
		if mt := s.opts.Metrics; mt != nil {
			mt.CommandsTotal.WithLabelValues("mqtt", CommandResult(err)).Inc()
		}
		s.log.Warn("rejected command", "topic", m.Topic(), "reason", CommandResult(err))
		return
	}
	if s.opts.OnCommand != nil {
		s.opts.OnCommand(cmd)
	}
}

// onStatus watches our own status topic. In an active/standby pair the failed
// peer's last will ("offline") reaches the broker seconds after this instance
// took over and said "online"; the active answers it at once, so the wall
// does not show a live site as offline.
func (s *Sink) onStatus(_ paho.Client, m paho.Message) {
	if string(m.Payload()) == "offline" && !s.passive.Load() {
		s.reassert.Store(true)
		s.poke()
	}
}

// SetPassive switches between active (connect and publish) and standby (stay
// disconnected; keep every state for takeover). Going passive disconnects
// cleanly, so the broker does not publish our last will: the active peer's
// "online" stands. Going active connects at once and republishes everything.
func (s *Sink) SetPassive(passive bool) {
	if s.passive.Swap(passive) != passive {
		s.log.Info("mqtt role changed", "passive", passive)
		s.poke()
	}
}

// Passive reports whether the sink is a standby.
func (s *Sink) Passive() bool { return s.passive.Load() }

func (s *Sink) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Reconnect backoff: doubling from minRetry up to maxRetry.
const (
	minRetry = time.Second
	maxRetry = 30 * time.Second
)

// Run connects, reconnects with backoff, and publishes until ctx ends.
func (s *Sink) Run(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	backoff := minRetry
	var retryAt time.Time
	for {
		if s.passive.Load() {
			if s.client.IsConnected() {
				s.client.Disconnect(250) // clean: no last will, the active's "online" stands
				s.gauge(0)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-s.kick:
			case <-tick.C:
			}
			backoff, retryAt = minRetry, time.Time{}
			continue
		}
		if !s.client.IsConnectionOpen() && !time.Now().Before(retryAt) {
			if err := s.connect(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if m := s.opts.Metrics; m != nil {
					m.SinkRetries.WithLabelValues(sinkName).Inc()
				}
				s.log.Warn("broker unreachable", "broker", s.opts.Broker, "err", err, "retry_in", backoff)
				retryAt = time.Now().Add(backoff)
				backoff = min(backoff*2, maxRetry)
			} else {
				backoff = minRetry
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.kick:
		case <-tick.C:
		}
		s.round(time.Now(), false)
	}
}

// connect makes one connection attempt, abandoned when ctx ends.
func (s *Sink) connect(ctx context.Context) error {
	t := s.client.Connect()
	select {
	case <-t.Done():
		if err := t.Error(); err != nil {
			return fmt.Errorf("connect %s: %w", s.opts.Broker, err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// round publishes what is due: a batch of events first (an emergency event
// must not wait behind map updates), then state, until the backlog is empty.
func (s *Sink) round(now time.Time, force bool) {
	if !s.client.IsConnectionOpen() {
		return
	}
	if s.reassert.Swap(false) {
		s.client.Publish(s.topic("status"), 1, true, "online")
	}
	if s.republishAll.Swap(false) {
		s.client.Publish(s.topic("status"), 1, true, "online")
		s.mu.Lock()
		for id, u := range s.units {
			u.dirty, u.urgent, u.announced = true, true, false
			s.dirtyUnits[id] = u
		}
		for _, c := range s.channels {
			c.dirty = true
		}
		s.mapDirty = true
		s.lastMap = time.Time{}
		s.mu.Unlock()
	}
	// State goes out between event batches, so a long backlog after an
	// outage does not hold a unit's emergency state behind old events.
	for {
		more := s.drainEvents()
		s.publishState(now, force)
		if !more {
			return
		}
		now = time.Now()
	}
}
