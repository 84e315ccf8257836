package mqtt

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/gateway/publish/mqtt/session"
)

// onConnect runs in paho's goroutine after every (re)connect: it subscribes
// (a clean session forgets subscriptions) and asks the run loop to republish
// every retained topic, since the broker may have restarted empty.
func (s *Sink) onConnect(c paho.Client) {
	s.metric(MetricReconnect, "", "", 1)
	s.log.Info("connected to broker", "broker", s.opts.Broker)
	cmd, st := s.topicFor(topicCommand), s.topicFor(topicStatus)
	c.Subscribe(cmd.name("+"), cmd.qos, s.onCommand) // not waited on: never block in a handler
	c.Subscribe(st.name(""), st.qos, s.onStatus)
	s.republishAll.Store(true)
	s.poke()
}

// onCommand runs in paho's goroutine: it parses and hands the command on
// without blocking. Rejections are counted here; accepted commands are counted
// by whoever applies them (OnCommand), with the tracker's verdict.
func (s *Sink) onCommand(_ paho.Client, m paho.Message) {
	suffix, _ := s.topicFor(topicCommand).match(m.Topic())
	cmd, err := ParseCommand(suffix, m.Payload())
	if err != nil {
		s.metric(MetricCommand, "result", CommandResult(err), 1)
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

// Reconnect backoff: doubling from minRetry up to maxRetry, each wait
// jittered by ±20% so a fleet of gateways does not reconnect in step. While
// disconnected the broker's port is also probed every probeEvery: the first
// probe that connects after failing ones triggers an attempt at once, so
// the wall is back within a probe of the broker accepting again, whatever
// the outage's length.
const (
	minRetry   = 250 * time.Millisecond
	maxRetry   = 3 * time.Second
	probeEvery = 200 * time.Millisecond
)

func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// Run connects, reconnects with backoff, and publishes until ctx ends.
func (s *Sink) Run(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	backoff := minRetry
	var (
		retryAt   time.Time
		probeAt   time.Time
		probeDown bool // the last probe failed
		failed    int  // attempts since the last connection, for the log
		lastLog   time.Time
	)
	for {
		if s.passive.Load() {
			if s.client.IsConnected() || s.link.sess.Connected() {
				s.closeState()
				s.client.Disconnect(250) // clean: no last will, the active's "online" stands
				s.gauge(0)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-s.kick:
			case <-tick.C:
			}
			backoff, retryAt, probeDown, failed = minRetry, time.Time{}, false, 0
			s.link.upAt = time.Time{} // a standby's disconnect is not a broken pair
			continue
		}
		if !s.linkUp() {
			now := time.Now()
			attempt := !now.Before(retryAt)
			if !attempt && !now.Before(probeAt) {
				probeAt = now.Add(probeEvery)
				up := s.probe()
				attempt = up && probeDown
				probeDown = !up
			}
			if attempt {
				if err := s.connect(ctx); err != nil {
					if ctx.Err() != nil {
						return nil
					}
					s.metric(MetricRetry, "", "", 1)
					failed++
					wait := jitter(backoff)
					// First failure, then one line per 30 s with the count.
					if failed == 1 || time.Since(lastLog) >= 30*time.Second {
						s.log.Warn("broker unreachable", "broker", s.opts.Broker, "err", err, "retry_in", wait.Round(time.Millisecond),
							"attempts", failed)
						lastLog = time.Now()
					}
					retryAt = time.Now().Add(wait)
					backoff = min(backoff*2, maxRetry)
					// Down only if the port is: a broker that accepts the
					// connection and refuses the login (a password, an ACL
					// on the state link's client ID) is retried at the
					// backoff, not at every probe.
					probeDown = !s.probe()
				} else {
					backoff, failed, probeDown = minRetry, 0, false
				}
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

// probe reports whether the broker's port accepts TCP connections (a cheap
// check, no MQTT). Schemes without a host:port are always "up": the
// backoff alone paces them.
func (s *Sink) probe() bool {
	u, err := url.Parse(s.opts.Broker)
	if err != nil || u.Host == "" || u.Scheme == "unix" {
		return true
	}
	host := u.Host
	if u.Port() == "" {
		port := "1883"
		switch u.Scheme {
		case "ssl", "tls", "mqtts", "mqtt+ssl", "tcps":
			port = "8883"
		case "ws":
			port = "80"
		case "wss":
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	c, err := net.DialTimeout("tcp", host, probeEvery)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// connect makes one connection attempt, abandoned when ctx ends: paho's
// connection (with the will), then the state link. The two live and die
// together: what is left of a half-lost pair is closed first (cleanly, so
// no will fires), and a state link that cannot open closes paho's again.
func (s *Sink) connect(ctx context.Context) error {
	s.noteLoss()
	s.closeState()
	if s.client.IsConnectionOpen() {
		s.client.Disconnect(250) // DISCONNECT goes out: the will does not fire
	}
	s.gauge(0)
	t := s.client.Connect()
	select {
	case <-t.Done():
		if err := t.Error(); err != nil {
			return fmt.Errorf("connect %s: %w", s.opts.Broker, err)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := s.connectState(ctx); err != nil {
		if !errors.Is(err, session.ErrRefused) {
			s.client.Disconnect(250) // DISCONNECT goes out: the will does not fire
			return fmt.Errorf("connect %s: %w", s.opts.Broker, err)
		}
		s.fallBack("the broker refused the state link's login", err)
	}
	s.link.upAt = time.Now()
	s.gauge(1)
	return nil
}

// round publishes what is due: a batch of events first (an emergency event
// must not wait behind map updates), then state, until the backlog is empty.
// After a (re)connect, state waits for the fence (fence.go), at most
// fenceMax; events do not, they are not retained.
func (s *Sink) round(now time.Time, force bool) {
	if !s.linkUp() {
		return
	}
	s.expireState(now)
	if s.reassert.Swap(false) {
		s.publishStatus("online")
	}
	if s.republishAll.Swap(false) {
		s.buildFence(now)
		s.publishStatus("online")
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
	if s.fence.isBuilding() {
		for force && !s.fence.ready(time.Now()) {
			time.Sleep(20 * time.Millisecond)
		}
		if !s.fence.ready(now) {
			s.drainEvents()
			return
		}
		s.endFence()
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
