// Package influx is radiogw's InfluxDB sink: Write turns tracker changes into
// line protocol and appends them to the sink's durable outbox (one group
// commit per batch); Run drains the outbox to InfluxDB with the blocking
// write API and acknowledges only what the server confirmed.
//
// It works with InfluxDB 2.x and with 1.8 through its /api/v2/write
// endpoint (Bucket "db/rp", Token "user:password", Org empty).
package influx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"
	"github.com/influxdata/influxdb-client-go/v2/api"

	"radiogw/gateway/change"
	"radiogw/gateway/publish/outbox"
)

// Metric names passed to Options.OnMetric, with label "sink".
const (
	MetricWritten     = "written"      // points the server confirmed
	MetricRetry       = "retry"        // failed write attempts that will be retried
	MetricRejected    = "rejected"     // points the server refused as malformed; skipped
	MetricInvalid     = "invalid"      // changes that could not become a point (no position, no time)
	MetricAppendError = "append_error" // Write calls whose outbox append failed
)

// Options configure a Sink.
type Options struct {
	Name   string // sink name for logs and metrics; default "influx"
	Site   string // the site tag on every point
	URL    string // empty: keep everything in the outbox (no influx block)
	Org    string // empty for InfluxDB 1.8
	Bucket string // "db/rp" (or "db") for InfluxDB 1.8
	Token  string // "user:password" for InfluxDB 1.8 with auth

	BatchSize  int           // points per HTTP write; default 5000
	FlushEvery time.Duration // longest a partial batch waits for more; default 1 s
	Timeout    time.Duration // per HTTP write; default 10 s
	MaxBackoff time.Duration // cap on the retry delay; default 5 s
	GZip       *bool         // compress writes; nil: unless the server is on loopback (see compress)

	Outbox *outbox.Outbox // required; owned (opened and closed) by the caller

	// UnitOf resolves a radio ID to a unit name when the batch's display
	// events do not already say; nil or "" falls back to the radio ID.
	UnitOf func(radioID string) string

	OnMetric func(name string, labels map[string]string, delta float64)
	Logger   *slog.Logger
}

// Sink implements change.Sink for InfluxDB.
type Sink struct {
	opts   Options
	labels map[string]string
	client influxdb2.Client
	write  api.WriteAPIBlocking
	log    *slog.Logger
	wake   chan struct{}
	// wakeAt is the outbox depth at which a Write wakes Run's sleep; 0
	// while nothing would: a wake-up per tracker step that Run only
	// answers by sleeping on was a thread's wake-up per step.
	wakeAt atomic.Int64

	// Used only by Write, which the tracker goroutine calls.
	buf     []byte
	entries []outbox.Entry
	units   map[string]string

	sendMu sync.Mutex // one drainer at a time: Run, or Close after it

	mu    sync.Mutex
	stats Stats

	logMu      sync.Mutex
	lastWarn   time.Time
	suppressed int
}

// warnLimited logs a repeated warning once, then once per 30 s with the
// number of repeats in between: an outage retries every few seconds.
func (s *Sink) warnLimited(msg string, args ...any) {
	s.logMu.Lock()
	if !s.lastWarn.IsZero() && time.Since(s.lastWarn) < 30*time.Second {
		s.suppressed++
		s.logMu.Unlock()
		return
	}
	n := s.suppressed
	s.lastWarn, s.suppressed = time.Now(), 0
	s.logMu.Unlock()
	if n > 0 {
		args = append(args, "repeats", n)
	}
	s.log.Warn(msg, args...)
}

var _ change.Sink = (*Sink)(nil)

// Stats are the sink's counters since New.
type Stats struct {
	Written, Retries, Rejected, Invalid uint64
	LastWrite                           time.Time // last confirmed write
	LastError                           string
	Up, Tried                           bool // the last write reached the server; there was one
}

// New builds a sink. It does not contact the server.
func New(opts Options) (*Sink, error) {
	if opts.Outbox == nil {
		return nil, errors.New("influx: no outbox")
	}
	if opts.Name == "" {
		opts.Name = "influx"
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 5000
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		// Short: after an outage the backlog should start draining within
		// seconds of the server's return; one small request per 5 s costs
		// a down server nothing.
		opts.MaxBackoff = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Sink{opts: opts, labels: map[string]string{"sink": opts.Name},
		log: opts.Logger.With("sink", opts.Name), wake: make(chan struct{}, 1),
		units: map[string]string{}}
	if opts.URL != "" {
		if opts.Bucket == "" {
			return nil, errors.New("influx: no bucket (use \"db/rp\" or \"db\" for InfluxDB 1.8)")
		}
		copts := influxdb2.DefaultOptions().
			SetHTTPRequestTimeout(uint(max(opts.Timeout/time.Second, 1))).
			SetPrecision(time.Nanosecond).
			SetUseGZip(compress(opts.URL, opts.GZip))
		s.client = influxdb2.NewClientWithOptions(opts.URL, opts.Token, copts)
		s.write = s.client.WriteAPIBlocking(opts.Org, opts.Bucket)
	}
	return s, nil
}

// Name is the sink's name.
func (s *Sink) Name() string { return s.opts.Name }

// Stats returns a copy of the counters.
func (s *Sink) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func (s *Sink) count(name string, n uint64) {
	if n == 0 {
		return
	}
	s.mu.Lock()
	switch name {
	case MetricWritten:
		s.stats.Written += n
		s.stats.LastWrite = time.Now()
	case MetricRetry:
		s.stats.Retries += n
	case MetricRejected:
		s.stats.Rejected += n
	case MetricInvalid:
		s.stats.Invalid += n
	}
	s.mu.Unlock()
	if s.opts.OnMetric != nil {
		s.opts.OnMetric(name, s.labels, float64(n))
	}
}

// Write encodes the batch and appends it to the outbox in one group commit.
// It never touches the network. An error means the batch (or, with
// outbox.ErrOverflow, older events) did not make it to disk.
func (s *Sink) Write(b change.Batch) error {
	s.buf = s.buf[:0]
	s.entries = s.entries[:0]
	invalid := s.encode(b)
	s.count(MetricInvalid, invalid)
	if len(s.entries) == 0 {
		return nil
	}
	err := s.opts.Outbox.Append(s.entries...)
	// Entries alias s.buf: drop the references before the next Write.
	clear(s.entries)
	if err != nil {
		s.count(MetricAppendError, 1)
		return fmt.Errorf("influx: queue %d points: %w", len(s.entries), err)
	}
	if at := s.wakeAt.Load(); at > 0 && int64(s.opts.Outbox.Depth()) >= at {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// Run drains the outbox to InfluxDB until ctx ends. With no URL it only
// waits: the outbox keeps everything for a later Export.
func (s *Sink) Run(ctx context.Context) error {
	if s.write == nil {
		<-ctx.Done()
		return nil
	}
	backoff := time.Duration(0)
	for {
		s.sendMu.Lock()
		n, full, err := s.drainOnce(ctx)
		s.sendMu.Unlock()
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, outbox.ErrClosed) {
			return err // the runtime closed the outbox under a running sink
		}
		switch {
		case err != nil:
			// New data does not cut a retry delay short.
			backoff = min(max(2*backoff, 100*time.Millisecond), s.opts.MaxBackoff)
			s.sleep(ctx, backoff, 0)
			continue
		case full:
			// A backlog: keep going.
		case n == 0:
			s.sleep(ctx, s.opts.FlushEvery, 1)
		default:
			// A partial batch went out: give the next one time to fill,
			// unless a full batch is already waiting.
			s.sleep(ctx, s.opts.FlushEvery, s.opts.BatchSize)
		}
		backoff = 0
	}
}

// sleep waits for d, or until a Write leaves at least depth entries in the
// outbox (never, for depth 0).
func (s *Sink) sleep(ctx context.Context, d time.Duration, depth int) {
	t := time.NewTimer(d)
	defer t.Stop()
	s.wakeAt.Store(int64(depth))
	defer s.wakeAt.Store(0)
	select { // a wake-up left over from before this sleep
	case <-s.wake:
	default:
	}
	if depth > 0 && s.opts.Outbox.Depth() >= depth {
		return // a Write got there before wakeAt was set
	}
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-s.wake:
	}
}

// Close sends what it can before ctx ends, then releases the HTTP client:
// cancel Run's context first. The outbox stays open: it belongs to the
// caller, and whatever is left is sent after the restart.
func (s *Sink) Close(ctx context.Context) error {
	if s.write == nil {
		return nil
	}
	defer s.client.Close()
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	for ctx.Err() == nil {
		n, _, err := s.drainOnce(ctx)
		if err != nil {
			return fmt.Errorf("influx: flush on close: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
	return nil
}

// HasServer reports whether the sink sends anywhere (an influx block), or
// only keeps its outbox for a later export.
func (s *Sink) HasServer() bool { return s.write != nil }
