// Package pipeline is the tracker goroutine: it takes decoded observations
// from the inbox, completes each fix's time and identity, applies them to
// the unit and channel trackers, turns the changes into change.Batches for
// the sinks, journals its inputs and writes the snapshot. It knows no
// transport, no sink and no configuration file: the runtime hands it
// Settings and an Output, and runs queries and commands on its goroutine
// through Call.
package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	"radiogw/gateway/decode"
	"radiogw/gateway/fixtime"
	"radiogw/gateway/metrics"
	"radiogw/gateway/publish/outbox"
	"radiogw/gateway/ratelog"
)

// Options wire a pipeline to the runtime.
type Options struct {
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	// InboxSoftCap is the observations queued before positions coalesce
	// (default 100000).
	InboxSoftCap int
	// Output receives every non-empty batch, on the tracker goroutine; it
	// must not block (sinks append to an outbox or memory).
	Output func(change.Batch)
	// Tick runs on the tracker goroutine every second, after expiry, for
	// the runtime's own gauges and status line.
	Tick func(now time.Time)
}

// Settings are the parts of the configuration the pipeline reads; the
// runtime replaces them on reload.
type Settings struct {
	DataDir       string        // where snapshot.json lives
	SnapshotEvery time.Duration // 0: only at shutdown
	// The unlisted caps, for the log line when units are refused.
	UnlistedPerSource, UnlistedTotal int
	// SourceIDs maps a source with device_id or unit to the identity its
	// frames carry when they name none.
	SourceIDs map[string]Identity
}

// Identity is a device identity: the ID and what kind of ID it is.
type Identity struct {
	ID   string
	Kind avl.IDKind
}

// Pipeline is one tracker goroutine and what it owns.
type Pipeline struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics.Metrics
	set     atomic.Pointer[Settings]

	in        *inbox
	journal   *outbox.Outbox // inputs since the last snapshot (journal.go)
	logs      ratelog.Keys
	obsCount  [4]prometheus.Counter // observations by kind: fix, event, identity, reply
	stepUnits []avl.Change          // the tracker step's change buffer, reused (loop goroutine only)
	calls     chan func()
	loopAlive atomic.Int64 // unix nanos of the loop's last turn, for the watchdog and /readyz

	// owned by the loop goroutine
	units              *avl.Tracker
	chans              *channels.Tracker
	idents             map[string]identity  // source+sender host → announced device ID
	held               map[string]*heldFix  // source+sender host → fix waiting for its sender's ID
	anonymous          map[string]time.Time // source+sender host → when it was last found not to name itself
	dates              *fixtime.Resolver    // per-device dates for time-of-day-only sentences
	rejected           map[rejectKey]uint64
	rejectLogs         map[rejectKey]*ratelog.Limiter
	lastPrune          time.Time
	lastSnap           time.Time
	unlistedSeen       map[string]uint64 // event\x00source → count already added to the counter
	unlistedLogs       *ratelog.Limiter
	unlistedRefusedLog uint64     // refusals not logged yet
	snapMu             sync.Mutex // held while a snapshot is being written
	journalBuf         []outbox.Entry
	journalArena       []byte // the step's encoded fixes, which journalBuf's entries alias
	journalAfter       uint64 // the journal index the restored snapshot captured
	replaying          bool
}

type identity struct {
	id   string
	kind avl.IDKind
}

// New builds a pipeline around fresh trackers. Nothing runs until Run.
func New(ac avl.Config, cc channels.Config, set Settings, opts Options) *Pipeline {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.New()
	}
	if opts.InboxSoftCap <= 0 {
		opts.InboxSoftCap = 100000
	}
	if opts.Output == nil {
		opts.Output = func(change.Batch) {}
	}
	p := &Pipeline{opts: opts, log: opts.Logger, metrics: opts.Metrics, calls: make(chan func()),
		units: avl.NewTracker(ac), chans: channels.NewTracker(cc), idents: map[string]identity{},
		held: map[string]*heldFix{}, anonymous: map[string]time.Time{},
		dates:    fixtime.New(ac.Types[avl.DefaultType].MaxFuture),
		rejected: map[rejectKey]uint64{}, rejectLogs: map[rejectKey]*ratelog.Limiter{},
		unlistedSeen: map[string]uint64{}, unlistedLogs: ratelog.New(10 * time.Second)}
	p.SetSettings(set)
	for i, kind := range []string{"fix", "event", "identity", "reply"} {
		p.obsCount[i] = p.metrics.Observations.WithLabelValues(kind)
	}
	p.in = newInbox(opts.InboxSoftCap,
		func(n int) { p.metrics.Drops.WithLabelValues("inbox", "position_coalesced").Add(float64(n)) },
		func() { p.metrics.Drops.WithLabelValues("inbox", "event_over_cap").Inc() })
	return p
}

// SetSettings replaces the settings (a reload); safe from any goroutine.
func (p *Pipeline) SetSettings(s Settings) {
	if s.SourceIDs == nil {
		s.SourceIDs = map[string]Identity{}
	}
	p.set.Store(&s)
}

func (p *Pipeline) settings() *Settings { return p.set.Load() }

// Push queues a source peer's observations; it never blocks (serial and UDP
// cannot be paused). peer is "" for a source with one peer.
func (p *Pipeline) Push(source, peer string, obs *decode.Observations) {
	p.in.pushFrom(source, peer, obs)
}

// Batch runs deliver, whose pushes are what a source read at once, and lets
// the tracker take them in one step.
func (p *Pipeline) Batch(deliver func()) { p.in.batch(deliver) }

// PushEvent queues a display event (a source going up or down).
func (p *Pipeline) PushEvent(e change.Event) { p.in.pushEvent(e) }

// Depth is the number of observations waiting in the inbox.
func (p *Pipeline) Depth() int { return p.in.depth() }

// Healthy reports whether the tracker goroutine turned recently; the
// systemd watchdog pings only while it does.
func (p *Pipeline) Healthy() bool {
	return time.Since(time.Unix(0, p.loopAlive.Load())) < 5*time.Second
}

// Call runs f on the tracker goroutine and waits for it. Inside f, and only
// there, Units, Channels and the batch helpers may be used.
func (p *Pipeline) Call(ctx context.Context, f func()) error { return p.call(ctx, f) }

// Units is the unit tracker (tracker goroutine only: inside Call).
func (p *Pipeline) Units() *avl.Tracker { return p.units }

// Channels is the channel tracker (tracker goroutine only: inside Call).
func (p *Pipeline) Channels() *channels.Tracker { return p.chans }

// Emit hands a batch to the output (tracker goroutine only).
func (p *Pipeline) Emit(b change.Batch) { p.emit(b) }

// AddChannelChange records a channel change in b with its display event
// and its effect on the unit (tracker goroutine only).
func (p *Pipeline) AddChannelChange(b *change.Batch, c channels.Change) { p.addChannelChange(b, c) }

// AddUnitEvents turns b's unit changes into display events (tracker
// goroutine only).
func (p *Pipeline) AddUnitEvents(b *change.Batch) { p.addUnitEvents(b) }

// Restore loads the snapshot and replays the journal after it, before Run.
// Errors are logged: the pipeline starts from whatever could be read.
func (p *Pipeline) Restore() {
	if err := p.restoreSnapshot(); err != nil {
		p.log.Warn("snapshot not restored; starting from the journal alone", "err", err)
	}
	if n, err := p.replayJournal(p.journalAfter); err != nil {
		p.log.Error("journal replay stopped", "replayed", n, "err", err)
	} else if n > 0 {
		p.log.Info("journal replayed", "inputs", n, "after", p.journalAfter)
	}
}

// PublishRestored hands every restored unit and channel to the output so
// retained topics are complete from the first second (before Run).
func (p *Pipeline) PublishRestored() { p.publishRestored() }

// Run is the tracker goroutine; it returns once ctx is cancelled and the
// inbox is drained and the final snapshot written.
func (p *Pipeline) Run(ctx context.Context) {
	done := make(chan struct{})
	p.loop(ctx, done)
}

// Close closes the journal (after Run returned).
func (p *Pipeline) Close() {
	if p.journal != nil {
		p.journal.Close()
	}
}

// Forget removes a unit (tracker goroutine only) and the identities that
// would bring it back; tracked says whether it was tracked (its removal
// went to the output).
func (p *Pipeline) Forget(id string, now time.Time) (tracked bool) {
	c, ok := p.units.Forget(id, now)
	// A peer that announced this ID would bring it back with its next bare fix.
	for k, v := range p.idents {
		if v.id == id {
			delete(p.idents, k)
		}
	}
	if ok {
		p.emit(change.Batch{Units: []avl.Change{c}})
	}
	return ok
}

// Command journals and applies an emergency ack or clear (tracker
// goroutine only) and emits its changes.
func (p *Pipeline) Command(action, id, by string) error {
	var (
		changes []channels.Change
		err     error
	)
	now := time.Now()
	p.journalAdd(journalRec{K: "c", Cmd: &journalCmd{Action: action, ID: id, By: by, At: now}}, now)
	p.journalFlush()
	switch action {
	case "ack":
		changes, err = p.chans.Ack(id, by, now)
	case "clear":
		changes, err = p.chans.Clear(id, by, now)
	default:
		err = fmt.Errorf("unknown action %q", action)
	}
	var b change.Batch
	for _, ch := range changes {
		p.addChannelChange(&b, ch)
	}
	p.addUnitEvents(&b)
	p.emit(b)
	return err
}
