package runtime

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"sync/atomic"
	"time"

	"radiogw/gateway/codec/catalog"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
	"radiogw/gateway/httpsource"
	"radiogw/gateway/mqttsource"
	"radiogw/gateway/pipeline"
	"radiogw/gateway/ratelog"
	"radiogw/gateway/replies"
	"radiogw/gateway/source"
	"radiogw/gateway/talkgroup"
	"radiogw/gateway/topicname"
	"radiogw/hcl"
)

// runningSource is one started transport with its decoder.
type runningSource struct {
	cfg      hcl.Source
	src      source.Source
	dec      decode.Decoder
	split    func([]byte) [][]byte // a datagram's reports (catalog); nil: one frame
	cancel   context.CancelFunc
	done     chan struct{}
	lastSeen atomic.Int64 // unix nanos of the last frame
	logs     *ratelog.Limiter
	nameLogs *ratelog.Limiter // refused names (topicname)
	churn    *churnLimiter    // peer connects and disconnects

	namesMu sync.Mutex
	names   map[string]bool // unsupported frame names counted so far (bounded)

	mu  sync.Mutex
	err error           // why Run gave up, for a fatal startup failure
	up  map[string]bool // what is up: "" for the port or listener itself, else each peer connection

	attemptOnce sync.Once
	attempted   chan struct{} // closed when the first Up or Down arrives
}

// markAttempted records the first Up or Down and reports whether this was it.
func (rs *runningSource) markAttempted() (first bool) {
	rs.attemptOnce.Do(func() { close(rs.attempted); first = true })
	return first
}

// deviceGrace is how long a serial device may be missing at startup before
// its absence is a warning: a USB adapter still being enumerated, or the
// demo's simulator creating its pseudo-terminal.
const deviceGrace = 30 * time.Second

// awaitDevice logs a serial device that is not there yet at startup as
// information, and warns only if it has not appeared within deviceGrace.
// The source keeps retrying either way.
func (d *Daemon) awaitDevice(rs *runningSource, err error) {
	d.log.Info("serial device not present yet; retrying", "source", rs.cfg.Name, "device", rs.cfg.Device,
		"warn_after", deviceGrace)
	time.AfterFunc(deviceGrace, func() {
		d.srcMu.Lock()
		current := d.sources[rs.cfg.Name] == rs
		d.srcMu.Unlock()
		if up, _, _ := rs.state(); current && !up {
			d.log.Warn("source down", "source", rs.cfg.Name, "peer", "", "err", err, "since", deviceGrace.String()+" ago")
		}
	})
}

// setUp records a transition and reports whether anything of the source is
// still up.
func (rs *runningSource) setUp(peer string, up bool) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if up {
		rs.up[peer] = true
	} else {
		delete(rs.up, peer)
	}
	return len(rs.up) > 0
}

// state reports whether the source is up, its peer connections, and why it
// stopped, if it did.
func (rs *runningSource) state() (up bool, conns int, err error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	conns = len(rs.up)
	if rs.up[""] {
		conns--
	}
	return len(rs.up) > 0 && rs.err == nil, conns, rs.err
}

// codecOptions builds a decoder's options from a source's configuration. A
// profile block's patterns go with it; a name alone is a built-in profile,
// which the lines codec resolves itself.
func codecOptions(cfg *hcl.Config, s hcl.Source) decode.Options {
	opts := decode.Options{Source: s.Name, Channel: s.Channel, Profile: decode.Profile{Name: s.Profile}, Settings: s.CodecOptions,
		Lenient: s.Checksum == hcl.ChecksumLenient}
	for _, p := range cfg.Profiles {
		if p.Name == s.Profile {
			opts.Profile.System = p.System
			for _, pt := range p.Patterns {
				opts.Profile.Patterns = append(opts.Profile.Patterns, decode.Pattern{Kind: pt.Kind, Regex: pt.Regex})
			}
		}
	}
	return opts
}

func (d *Daemon) buildSource(cfg *hcl.Config, s hcl.Source) (*runningSource, error) {
	factory, ok := catalog.Lookup(s.Codec)
	if !ok {
		return nil, fmt.Errorf("source %q: unknown codec %q", s.Name, s.Codec)
	}
	opts := codecOptions(cfg, s)
	// Both read the configuration in force at each call.
	opts.ReportInterval, opts.SourceFor = d.reportInterval, d.firstSource
	dec, err := factory(opts)
	if err != nil {
		return nil, fmt.Errorf("source %q: codec %q: %w", s.Name, s.Codec, err)
	}
	var src source.Source
	switch s.Type {
	case hcl.SourceMQTT:
		src, err = mqttsource.New(s)
	case hcl.SourceHTTP:
		src, err = httpsource.New(s, cfg.HA != nil, d.log)
	default:
		src, err = source.New(sourceConfig(s, cfg.HA != nil))
	}
	if err != nil {
		return nil, err // names the source already
	}
	var split func([]byte) [][]byte
	if s.Framing == source.FramingDatagram {
		split = catalog.DatagramSplit(s.Codec)
	}
	return &runningSource{cfg: s, src: src, dec: dec, split: split, logs: ratelog.New(10 * time.Second), nameLogs: ratelog.New(10 * time.Second), churn: newChurnLimiter(),
		attempted: make(chan struct{}), up: map[string]bool{}}, nil
}

// startSources builds every source first (so a bad one fails the start
// before anything runs), then starts them.
func (d *Daemon) startSources(ctx context.Context, list []hcl.Source) error {
	cfg := d.config()
	built := make([]*runningSource, 0, len(list))
	for _, s := range list {
		rs, err := d.buildSource(cfg, s)
		if err != nil {
			return err
		}
		built = append(built, rs)
	}
	for _, rs := range built {
		d.start(ctx, rs)
	}
	// READY means the sources were attempted: wait until each has bound its
	// socket or opened its port, or said why not, but not for a slow peer.
	deadline := time.After(5 * time.Second)
	for _, rs := range built {
		select {
		case <-rs.attempted:
		case <-rs.done:
		case <-deadline:
			return nil
		}
	}
	return nil
}

func (d *Daemon) start(parent context.Context, rs *runningSource) {
	ctx, cancel := context.WithCancel(parent)
	rs.cancel, rs.done = cancel, make(chan struct{})
	d.srcMu.Lock()
	d.sources[rs.cfg.Name] = rs
	d.srcMu.Unlock()
	if rs.cfg.COR != nil {
		d.srcWG.Add(1)
		go func() {
			defer d.srcWG.Done()
			d.runCOR(ctx, rs)
		}()
	}
	d.srcWG.Add(1)
	go func() {
		defer d.srcWG.Done()
		defer close(rs.done)
		err := rs.src.Run(ctx, d.hooks(rs))
		if err != nil && !errors.Is(err, context.Canceled) {
			rs.mu.Lock()
			rs.err = err
			rs.mu.Unlock()
			d.log.Error("source stopped", "source", rs.cfg.Name, "err", err)
			select {
			case d.fatal <- err:
			default:
			}
		}
	}()
}

func (d *Daemon) stop(rs *runningSource) {
	rs.cancel()
	<-rs.done
	d.srcMu.Lock()
	if d.sources[rs.cfg.Name] == rs {
		delete(d.sources, rs.cfg.Name)
	}
	d.srcMu.Unlock()
	d.metrics.SourceUp.WithLabelValues(rs.cfg.Name).Set(0)
}

func (d *Daemon) hooks(rs *runningSource) source.Hooks {
	name := rs.cfg.Name
	frames := d.metrics.Frames.WithLabelValues(name)
	bytes := d.metrics.FrameBytes.WithLabelValues(name)
	d.metrics.FramesIgnored.WithLabelValues(name).Add(0)
	// Every transport counter exists from the start at zero, so an alert
	// rule can tell "no drops" from "not measured".
	for _, r := range decodeReasons {
		d.metrics.DecodeErrors.WithLabelValues(name, r).Add(0)
	}
	for _, what := range source.Counters {
		d.metrics.SourceEvents.WithLabelValues(name, what).Add(0)
	}
	pipeline.ZeroFixCounters(d.metrics, name)
	for _, reason := range topicname.Reasons {
		d.metrics.NamesRejected.WithLabelValues(name, reason).Add(0)
	}
	for _, ev := range []string{"refused", "expired"} {
		d.metrics.UnlistedUnits.WithLabelValues(name, ev).Add(0)
	}
	for _, ev := range []string{"peer_up", "peer_down"} {
		d.metrics.SourceEvents.WithLabelValues(name, ev).Add(0)
	}
	// Peer connection events held back by the churn limiter, per source.
	d.metrics.Drops.WithLabelValues("source_"+name, "peer_churn").Add(0)
	// quiet reports whether a peer's connect or disconnect is to be logged
	// and published; the port or listener itself always is.
	quiet := func(peer, ev string) (suppressed int, hold bool) {
		if peer == "" {
			return 0, false
		}
		d.metrics.SourceEvents.WithLabelValues(name, ev).Inc()
		n, ok := rs.churn.allow(time.Now())
		if !ok {
			d.metrics.Drops.WithLabelValues("source_"+name, "peer_churn").Inc()
		}
		return n, !ok
	}
	for _, result := range replies.Results {
		d.metrics.Replies.WithLabelValues(name, result).Add(0)
	}
	return source.Hooks{
		Emit: func(f frame.Frame) {
			frames.Inc()
			bytes.Add(float64(len(f.Data)))
			rs.lastSeen.Store(f.Received.UnixNano())
			d.decode(rs, f)
		},
		Up: func(peer string) {
			rs.markAttempted()
			rs.setUp(peer, true)
			d.metrics.SourceUp.WithLabelValues(name).Set(1)
			n, hold := quiet(peer, "peer_up")
			if hold {
				return
			}
			if n > 0 {
				d.log.Info("source up", "source", name, "peer", peer, "suppressed", n)
			} else {
				d.log.Info("source up", "source", name, "peer", peer)
			}
			d.pipe.PushEvent(pipeline.SourceEvent("source_up", name, peer, ""))
		},
		Down: func(peer string, err error) {
			first := rs.markAttempted()
			if !rs.setUp(peer, false) {
				d.metrics.SourceUp.WithLabelValues(name).Set(0)
			}
			n, hold := quiet(peer, "peer_down")
			if hold {
				return
			}
			detail := ""
			attrs := []any{"source", name, "peer", peer}
			if n > 0 {
				attrs = append(attrs, "suppressed", n) // connection events held back since the last line
			}
			if err != nil {
				detail = err.Error()
				if first && rs.cfg.Type == "serial" && errors.Is(err, fs.ErrNotExist) {
					d.awaitDevice(rs, err)
				} else {
					d.log.Warn("source down", append(attrs, "err", err)...)
				}
			} else {
				d.log.Info("source closed", attrs...) // shutdown, reload, peer hung up
			}
			d.pipe.PushEvent(pipeline.SourceEvent("source_down", name, peer, detail))
		},
		Count: func(what string) {
			d.metrics.SourceEvents.WithLabelValues(name, what).Inc()
		},
		Batch: func(deliver func()) { d.pipe.Batch(deliver) },
	}
}

// decode runs on the source's goroutine: a slow or garbled source only
// delays itself.
func (d *Daemon) decode(rs *runningSource, f frame.Frame) {
	if rs.split != nil {
		// A modem emptying its store-and-forward buffer packs several
		// reports into one datagram: each is a frame of its own.
		if parts := rs.split(f.Data); len(parts) > 1 {
			// Each report is a frame: counted as one, so every frame is
			// accounted for by exactly one outcome.
			d.metrics.Frames.WithLabelValues(rs.cfg.Name).Add(float64(len(parts) - 1))
			for _, part := range parts {
				sub := f
				sub.Data = part
				d.decodeFrame(rs, sub)
			}
			return
		}
	}
	d.decodeFrame(rs, f)
}

func (d *Daemon) decodeFrame(rs *runningSource, f frame.Frame) {
	obs, err := rs.dec.Decode(f)
	if len(obs.Replies) > 0 {
		d.sendReplies(rs, obs.Replies)
		obs.Replies = nil
	}
	var unsup *decode.UnsupportedError
	if errors.As(err, &unsup) {
		// Not a fault of the device: counted by name, never logged.
		d.metrics.Unsupported.WithLabelValues(rs.cfg.Name, rs.unsupportedName(unsup.Name)).Inc()
		err = nil
	}
	if err != nil {
		// A frame that decodes but carries nothing radiogw uses (a GSV
		// sentence, an ARS keep-alive) is not an error.
		if reason := decode.Reason(err); reason == decode.Ignored.Reason {
			d.metrics.FramesIgnored.WithLabelValues(rs.cfg.Name).Inc()
		} else {
			d.metrics.DecodeErrors.WithLabelValues(rs.cfg.Name, reason).Inc()
			msg := "undecodable frame"
			if !obs.Empty() {
				msg = "frame used despite an error" // checksum_mismatch under checksum = "lenient"
			}
			if n, ok := rs.logs.Allow(); ok {
				d.log.Warn(msg, "source", rs.cfg.Name, "peer", f.Peer, "reason", reason,
					"err", err, "frame", ratelog.Printable(f.Data, 120), "suppressed", n)
			}
		}
	}
	// A decoder may return what it could read alongside an error.
	if !obs.Empty() {
		refuse := func(reason, name string) {
			d.metrics.NamesRejected.WithLabelValues(rs.cfg.Name, reason).Inc()
			if n, ok := rs.nameLogs.Allow(); ok {
				d.log.Warn("name refused: it cannot be an MQTT topic level", "source", rs.cfg.Name, "peer", f.Peer,
					"reason", reason, "name", ratelog.Printable([]byte(name), 80), "suppressed", n)
			}
		}
		d.mapTalkgroups(rs.cfg.Name, &obs, refuse)
		filterNames(&obs, refuse)
	}
	if !obs.Empty() {
		d.pipe.Push(rs.cfg.Name, f.Peer, &obs)
	}
}

// maxUnsupportedNames bounds the name label of unsupported frames per source:
// the names come off the wire.
const maxUnsupportedNames = 32

// unsupportedName is the metric label for an unsupported frame's name: its
// letters and digits (at most 16), or "other" past the first 32 names.
func (rs *runningSource) unsupportedName(name string) string {
	b := make([]byte, 0, 16)
	for i := 0; i < len(name) && len(b) < 16; i++ {
		if c := name[i]; c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
			b = append(b, c)
		}
	}
	if len(b) == 0 {
		return "other"
	}
	n := string(b)
	rs.namesMu.Lock()
	defer rs.namesMu.Unlock()
	if rs.names == nil {
		rs.names = map[string]bool{}
	}
	if !rs.names[n] {
		if len(rs.names) >= maxUnsupportedNames {
			return "other"
		}
		rs.names[n] = true
	}
	return n
}

// mapTalkgroups names trunked events by their configured channel (package
// talkgroup) and cleans over-the-air aliases. An event whose system name
// cannot be a topic level is dropped; a bad alias is dropped alone, the
// event kept. Both are refused through refuse (counted, logged).
func (d *Daemon) mapTalkgroups(source string, obs *decode.Observations, refuse func(reason, name string)) {
	tg := d.talkgroups.Load()
	evs := obs.Events[:0]
	for _, e := range obs.Events {
		sys := e.TalkgroupSystem
		r := tg.Map(&e)
		if r.Refused != "" {
			refuse(r.Refused, sys)
			continue
		}
		if r.Several != nil {
			d.log.Warn("several trunked systems report talkgroups but no channel names a system: the same talkgroup number on two systems shows as one channel; add system = \"...\" to every talkgroup channel",
				"source", source, "systems", r.Several)
		}
		if e.RadioAlias != "" {
			alias, bad := talkgroup.CleanAlias(e.RadioAlias)
			if bad != "" {
				refuse(bad, e.RadioAlias)
			}
			e.RadioAlias = alias
		}
		evs = append(evs, e)
	}
	obs.Events = evs
}

// firstSource names the running source with the given codec that comes
// first in the configuration, "" if none runs.
func (d *Daemon) firstSource(codec string) string {
	cfg := d.config()
	d.srcMu.Lock()
	defer d.srcMu.Unlock()
	for _, s := range cfg.Sources {
		if rs := d.sources[s.Name]; s.Codec == codec && rs != nil {
			return s.Name
		}
	}
	return ""
}

// reportInterval is the reporting interval a device's unit type sets
// (lrrp_interval), 0 for none: codecs that ask devices to report use it.
func (d *Daemon) reportInterval(radioID string) time.Duration {
	cfg := d.config()
	typ := ""
	for _, u := range cfg.Units {
		for _, id := range u.RadioIDs {
			if id == radioID {
				typ = u.Type
			}
		}
	}
	for _, t := range cfg.UnitTypes {
		if t.Name == typ && t.LRRPInterval > 0 {
			return t.LRRPInterval
		}
	}
	return 0
}
