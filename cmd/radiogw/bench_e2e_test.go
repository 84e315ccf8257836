//go:build bench

// The end-to-end benchmark: a load generator sends NMEA RMC over real UDP to
// the real binary (built without -race), which publishes to a real mosquitto
// and a real influxd; an MQTT subscriber measures the time from sending a fix
// for unit X to receiving units/X carrying that fix. Results go to
// testdata/out/bench.json; docs/BENCHMARKS.md explains every figure.
//
//	go test -tags bench -run TestBenchE2E -timeout 60m -v ./cmd/radiogw/
//
// Settings (environment):
//
//	RADIOGW_BENCH_STEPS    load steps, UNITSxINTERVAL (default below)
//	RADIOGW_BENCH_STEP     measured time per step (default 20s)
//	RADIOGW_BENCH_OUTAGE   InfluxDB outage length (default 30s; 0 skips it)
//	RADIOGW_BENCH_OUTAGE_LOAD  load during the outage (default 10000x1s)
//	RADIOGW_BENCH_SOURCES  UDP sources (and sender goroutines) (default 2)
//	RADIOGW_BENCH_SAMPLE   units the subscriber follows per step (default 2000)
//	RADIOGW_BENCH_OUT      output file (default testdata/out/bench.json)
//	RADIOGW_BENCH_PPROF    1: http { pprof = true }, a CPU profile of every
//	                       step and a heap profile after the last (default 0)
//	RADIOGW_BENCH_BUILDFLAGS  extra `go build` flags for the measured binary
//	RADIOGW_BENCH_NODELAY  1: mosquitto with set_tcp_nodelay true (default 1)
//	RADIOGW_BENCH_FSYNC    storage { fsync = ... } (default: radiogw's, "batch")
//	RADIOGW_BENCH_SNAPSHOT_EVERY  storage { snapshot_every = ... } (default 30s)
//	RADIOGW_BENCH_UNIT_RATE  mqtt { unit_rate = ... } (default: radiogw's, 2)
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/gateway/publish/influx/influxtest"
	"radiogw/gateway/testsvc"
)

// The matrix of the issue (1,000 / 10,000 / 100,000 units every 5 s and 1 s)
// with a ramp at 10,000 units in between; the 100,000-unit steps come last
// so that SIGTERM and the restart are measured with 100,000 units.
const benchDefaultSteps = "1000x5s,1000x1s,10000x5s,10000x1s,10000x500ms,10000x250ms,10000x200ms,100000x5s,100000x2s,100000x1s"

// clockTick is USER_HZ, the unit of utime and stime in /proc/<pid>/stat; it
// is 100 on every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

func TestBenchE2E(t *testing.T) {
	cfg := benchSettings(t)
	bin := buildPlain(t, cfg.BuildFlags)
	out := benchOut{Date: time.Now().UTC().Format(time.RFC3339), Machine: machineInfo(), Settings: cfg}
	// Whatever was measured is written, also when a later phase fails.
	defer func() { writeJSON(t, cfg.Out, out) }()

	var extra string
	if cfg.NoDelay {
		extra = "set_tcp_nodelay true"
	}
	mq := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{Extra: extra})
	db := influxtest.Start(t, "radiogw")
	out.InfluxBaseline = influxBaseline(t, db)
	t.Logf("influxd CPU per point: one point per request %.3f ms, 5000 per request %.4f ms",
		out.InfluxBaseline.PointByPointCPUms, out.InfluxBaseline.BatchedCPUms)

	h := newHarness(t, bin, mq.Addr, db, cfg)
	h.start(t)
	out.RSSIdleKiB = rssKiB(h.gwPid())
	c0 := h.cpu()
	time.Sleep(10 * time.Second)
	out.IdleCPUCores = (h.cpu().gw - c0.gw).Seconds() / 10
	t.Logf("radiogw idle: %.3f cores, %d KiB RSS", out.IdleCPUCores, out.RSSIdleKiB)

	// The outage comes first, on a fresh daemon: after the 100,000-unit
	// steps it would measure their aftermath instead.
	if cfg.Outage > 0 { // RADIOGW_BENCH_OUTAGE=0 skips it (quick runs)
		out.Outage = h.outage(t, cfg.OutageLoad, cfg.Outage)
	}
	t.Logf("outage %s at %s: backlog %d, first write %.1f s after influxd returned, backlog cleared in %.1f s: %.0f points/s gross (%.0f net); lost %d; load %s",
		cfg.Outage, out.Outage.Load, out.Outage.PeakDepth, out.Outage.FirstDrainS, out.Outage.CatchUpS,
		out.Outage.GrossCatchUpPerS, out.Outage.NetCatchUpPerS, out.Outage.Lost, out.Outage.LoadAvg)

	for i, st := range cfg.Steps {
		if i == 0 || st.Units != cfg.Steps[i-1].Units {
			// A fresh daemon for every fleet size: the units of an earlier
			// step would stay on the map and in every per-second pass.
			h.fresh(t)
		}
		r := h.runStep(t, st)
		out.Steps = append(out.Steps, r)
		t.Logf("step %s: offered %.0f/s sent %.0f/s; loss %d; outbox max %d end %d; latency p50 %.1f p99 %.1f p99.9 %.1f ms (%d samples); radiogw %.2f ms CPU/1000; influxd %.2f ms CPU/1000; load %s",
			r.Name, r.OfferedPerS, r.SentPerS, r.Lost, r.OutboxMax, r.OutboxEnd, r.Latency.P50ms, r.Latency.P99ms,
			r.Latency.P999ms, r.Latency.Samples, r.GwCPUmsPer1000, r.InfluxCPUmsPer1000, r.LoadAvg)
	}
	out.Sustained = sustained(out.Steps)
	if cfg.Pprof {
		out.HeapProfile = h.fetch("heap", "/debug/pprof/heap")
	}
	out.Memory = memoryFigures(out.RSSIdleKiB, out.Steps)

	out.Shutdown = h.sigterm(t)
	t.Logf("SIGTERM to exit with %.0f units: %.0f ms, exit code %d", out.Shutdown.Units, out.Shutdown.Ms, out.Shutdown.ExitCode)
	out.Restart = h.restart(t)
	t.Logf("restart with %d units in the snapshot: running after %.0f ms, first state after %.0f ms, all %d sampled units after %.0f ms",
		out.Restart.SnapshotUnits, out.Restart.RunningMs, out.Restart.FirstStateMs, out.Restart.Sampled, out.Restart.AllSampledMs)
	h.sigterm(t)
}

// benchConfig is what one run measures.
type benchConfig struct {
	Steps      []stepSpec    `json:"steps"`
	StepTime   time.Duration `json:"step_time_ns"`
	Outage     time.Duration `json:"outage_ns"`
	OutageLoad stepSpec      `json:"outage_load"`
	Sources    int           `json:"udp_sources"`
	Sample     int           `json:"sampled_units_per_step"`
	Pprof      bool          `json:"pprof"`
	NoDelay    bool          `json:"mosquitto_tcp_nodelay"`
	Fsync      string        `json:"fsync,omitempty"`
	// SnapshotEvery is radiogw's snapshot_every: the snapshot is written on
	// the tracker goroutine, so it shows in latency and loss.
	SnapshotEvery string `json:"snapshot_every"`
	UnitRate      string `json:"unit_rate,omitempty"`
	BuildFlags    string `json:"build_flags,omitempty"`
	Out           string `json:"-"`
}

type stepSpec struct {
	Units    int           `json:"units"`
	Interval time.Duration `json:"interval_ns"`
}

func (s stepSpec) String() string { return fmt.Sprintf("%dx%s", s.Units, s.Interval) }
func (s stepSpec) rate() float64  { return float64(s.Units) / s.Interval.Seconds() }

func parseStep(t *testing.T, s string) stepSpec {
	u, iv, ok := strings.Cut(strings.TrimSpace(s), "x")
	n, err1 := strconv.Atoi(u)
	d, err2 := time.ParseDuration(iv)
	if !ok || err1 != nil || err2 != nil || n <= 0 || d <= 0 {
		t.Fatalf("bad step %q: want UNITSxINTERVAL, e.g. 10000x1s", s)
	}
	return stepSpec{Units: n, Interval: d}
}

func benchSettings(t *testing.T) benchConfig {
	env := func(k, def string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return def
	}
	dur := func(k, def string) time.Duration {
		d, err := time.ParseDuration(env(k, def))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		return d
	}
	num := func(k, def string) int {
		n, err := strconv.Atoi(env(k, def))
		if err != nil || n <= 0 {
			t.Fatalf("%s: want a positive number", k)
		}
		return n
	}
	c := benchConfig{StepTime: dur("RADIOGW_BENCH_STEP", "20s"), Outage: dur("RADIOGW_BENCH_OUTAGE", "30s"),
		OutageLoad: parseStep(t, env("RADIOGW_BENCH_OUTAGE_LOAD", "10000x1s")),
		Sources:    num("RADIOGW_BENCH_SOURCES", "2"), Sample: num("RADIOGW_BENCH_SAMPLE", "2000"),
		Pprof: env("RADIOGW_BENCH_PPROF", "0") == "1", NoDelay: env("RADIOGW_BENCH_NODELAY", "1") == "1",
		Fsync: os.Getenv("RADIOGW_BENCH_FSYNC"), SnapshotEvery: env("RADIOGW_BENCH_SNAPSHOT_EVERY", "30s"),
		UnitRate: os.Getenv("RADIOGW_BENCH_UNIT_RATE"), BuildFlags: os.Getenv("RADIOGW_BENCH_BUILDFLAGS"),
		Out: env("RADIOGW_BENCH_OUT", filepath.Join("..", "..", "testdata", "out", "bench.json"))}
	for _, s := range strings.Split(env("RADIOGW_BENCH_STEPS", benchDefaultSteps), ",") {
		c.Steps = append(c.Steps, parseStep(t, s))
	}
	return c
}

// buildPlain builds radiogw without -race: the race detector would make
// every figure several times worse.
func buildPlain(t *testing.T, flags string) string {
	bin := filepath.Join(t.TempDir(), "radiogw")
	args := append([]string{"build", "-o", bin}, strings.Fields(flags)...)
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// ---- the system under test ----

type harness struct {
	bin, dir, config string
	httpPort         int
	udpPorts         []int
	mqttAddr         string
	db               *influxtest.Server
	cfg              benchConfig
	gw               *testsvc.Process
	influxPid        int
	mosqPid          int
	track            *tracker
	sub              *latencySub
	http             *http.Client
}

func newHarness(t *testing.T, bin, mqttAddr string, db *influxtest.Server, cfg benchConfig) *harness {
	h := &harness{bin: bin, dir: t.TempDir(), mqttAddr: mqttAddr, db: db, cfg: cfg, httpPort: testsvc.FreePort(t),
		http: &http.Client{Timeout: 60 * time.Second}}
	h.config = filepath.Join(h.dir, "radiogw.hcl")
	unitRate := ""
	if cfg.UnitRate != "" {
		unitRate = fmt.Sprintf("  unit_rate = %s\n", cfg.UnitRate)
	}
	fsync := ""
	if cfg.Fsync != "" {
		fsync = fmt.Sprintf("  fsync          = %q\n", cfg.Fsync)
	}
	var srcs strings.Builder
	for i := 0; i < cfg.Sources; i++ {
		p := testsvc.FreeUDPPort(t)
		h.udpPorts = append(h.udpPorts, p)
		fmt.Fprintf(&srcs, "source \"udp\" \"avl%d\" {\n  listen = \"127.0.0.1:%d\"\n  codec  = \"nmea\"\n}\n\n", i, p)
	}
	maxUnits := cfg.OutageLoad.Units
	for _, s := range cfg.Steps {
		maxUnits = max(maxUnits, s.Units)
	}
	// Every simulated modem is a unit not in the roster: the default caps
	// (10,000 per source, 20,000 in all) would refuse the larger fleets,
	// which reads as lost throughput but is policy.
	body := fmt.Sprintf(`site = "bench"

unlisted {
  max_per_source = %d
  max_total      = %d
}

storage {
  dir            = %q
  snapshot_every = %q
%s}

http {
  listen = "127.0.0.1:%d"
  pprof  = %t
}

mqtt {
  broker = "tcp://%s"
%s}

influx {
  url    = %q
  bucket = "radiogw/autogen"
}

%s`, maxUnits, maxUnits, filepath.Join(h.dir, "data"), cfg.SnapshotEvery, fsync, h.httpPort, cfg.Pprof, mqttAddr, unitRate, db.URL, srcs.String())
	if err := os.WriteFile(h.config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	h.track = newTracker(maxUnits)
	h.sub = newLatencySub(t, mqttAddr, h.track)
	h.influxPid = childPid(t, "influxd")
	h.mosqPid = childPid(t, "mosquitto")
	return h
}

func (h *harness) start(t *testing.T) time.Duration {
	t0 := time.Now()
	h.gw = testsvc.Start(t, nil, h.bin, "run", "-config", h.config)
	h.gw.WaitOutput(t, "radiogw running", 120*time.Second)
	return time.Since(t0)
}

func (h *harness) gwPid() int { return h.gw.Cmd.Process.Pid }

// fresh stops radiogw, empties its data directory and starts it again.
func (h *harness) fresh(t *testing.T) {
	h.drain(t, 5*time.Minute)
	h.gw.Cmd.Process.Signal(syscall.SIGTERM)
	h.gw.Wait(t, 2*time.Minute)
	if err := os.RemoveAll(filepath.Join(h.dir, "data")); err != nil {
		t.Fatal(err)
	}
	h.start(t)
}

// ---- load steps ----

type stepResult struct {
	Name               string        `json:"name"`
	Units              int           `json:"units"`
	IntervalS          float64       `json:"interval_s"`
	OfferedPerS        float64       `json:"offered_per_s"`
	SentPerS           float64       `json:"sent_per_s"`
	Sent               int64         `json:"sent"`
	InInflux           int64         `json:"in_influx"`
	Lost               int64         `json:"lost"`
	Unexplained        int64         `json:"lost_unexplained"`
	UDPDrops           int64         `json:"udp_socket_drops"`
	Accepted           float64       `json:"fixes_accepted_metric"`
	Rejected           float64       `json:"fixes_rejected_metric"`
	InboxCoalesced     float64       `json:"inbox_coalesced"`
	OutboxMax          int64         `json:"outbox_max"`
	OutboxEnd          int64         `json:"outbox_end"`
	Bounded            bool          `json:"outbox_bounded"`
	DrainS             float64       `json:"drain_after_step_s"`
	Latency            latencyResult `json:"latency"`
	GwCPUmsPer1000     float64       `json:"radiogw_cpu_ms_per_1000"`
	InfluxCPUmsPer1000 float64       `json:"influxd_cpu_ms_per_1000"`
	MosqCPUmsPer1000   float64       `json:"mosquitto_cpu_ms_per_1000"`
	GwCPUCores         float64       `json:"radiogw_cpu_cores"`
	InfluxCPUCores     float64       `json:"influxd_cpu_cores"`
	TestCPUCores       float64       `json:"loadgen_and_subscriber_cpu_cores"`
	RSSKiB             int64         `json:"radiogw_rss_kib"`
	TrackedUnits       float64       `json:"tracked_units"`
	LoadAvg            string        `json:"loadavg"`
	Profile            string        `json:"cpu_profile,omitempty"`
}

type latencyResult struct {
	Samples int     `json:"samples"`
	P50ms   float64 `json:"p50_ms"`
	P99ms   float64 `json:"p99_ms"`
	P999ms  float64 `json:"p99_9_ms"`
	Maxms   float64 `json:"max_ms"`
	// Followed is the share of sent fixes of the followed units that came
	// back as a state message (the sink coalesces above unit_rate).
	Followed float64 `json:"followed_share"`
}

func (h *harness) runStep(t *testing.T, st stepSpec) stepResult {
	r := stepResult{Name: st.String(), Units: st.Units, IntervalS: st.Interval.Seconds(), OfferedPerS: st.rate()}
	h.sub.follow(t, st.Units, h.cfg.Sample)
	warm := max(st.Interval, 2*time.Second)
	acc := h.accounting(t)
	gen := h.load(st)
	firstFix := time.Now().Add(-time.Second)
	time.Sleep(warm)

	m0 := h.metrics(t)
	c0 := h.cpu()
	udp0 := h.udpDrops()
	sent0 := gen.sent.Load()
	h.sub.reset()
	var prof chan string
	if h.cfg.Pprof {
		prof = make(chan string, 1)
		go func() { prof <- h.profile(st.String(), min(h.cfg.StepTime-time.Second, 15*time.Second)) }()
	}
	t0 := time.Now()
	deadline := t0.Add(h.cfg.StepTime)
	for time.Now().Before(deadline) {
		time.Sleep(time.Second)
		r.OutboxMax = max(r.OutboxMax, int64(h.metrics(t).get(depthKey)))
	}
	el := time.Since(t0)
	m1 := h.metrics(t)
	c1 := h.cpu()
	sentM := gen.sent.Load() - sent0
	r.Latency = h.sub.result(st.Interval, el)
	gen.stop()
	lastFix := time.Now().Add(time.Second)
	r.LoadAvg = loadAvg()
	if prof != nil {
		r.Profile = <-prof
	}

	r.Sent = gen.sent.Load()
	r.SentPerS = float64(sentM) / el.Seconds()
	r.UDPDrops = h.udpDrops() - udp0
	r.Accepted = m1.delta(m0, `radiogw_observations_total{kind="fix"}`)
	r.Rejected = m1.sum("radiogw_fix_rejections_total") - m0.sum("radiogw_fix_rejections_total")
	r.InboxCoalesced = m1.delta(m0, coalescedKey)
	r.OutboxEnd = int64(m1.get(depthKey))
	r.Bounded = float64(r.OutboxEnd) <= max(10000, 2*st.rate())
	r.GwCPUmsPer1000 = perThousand(c1.gw-c0.gw, sentM)
	r.InfluxCPUmsPer1000 = perThousand(c1.influx-c0.influx, sentM)
	r.MosqCPUmsPer1000 = perThousand(c1.mosq-c0.mosq, sentM)
	r.GwCPUCores = (c1.gw - c0.gw).Seconds() / el.Seconds()
	r.InfluxCPUCores = (c1.influx - c0.influx).Seconds() / el.Seconds()
	r.TestCPUCores = (c1.self - c0.self).Seconds() / el.Seconds()
	r.RSSKiB = rssKiB(h.gwPid())
	r.TrackedUnits = m1.sum("radiogw_units")

	d0 := time.Now()
	h.drain(t, 5*time.Minute)
	r.DrainS = time.Since(d0).Seconds()
	r.InInflux = h.countPositions(t, firstFix, lastFix)
	r.Lost = r.Sent - r.InInflux
	r.Unexplained = acc.check(t, h, st.String(), r.Lost)
	return r
}

// lossAccount holds the counters that explain a missing point: the kernel
// dropped the datagram, the inbox coalesced the fix, or the tracker
// rejected it. Anything else lost is a defect, whatever the load.
type lossAccount struct {
	udp   int64
	drops float64
}

func (h *harness) accounting(t *testing.T) lossAccount {
	m := h.metrics(t)
	return lossAccount{udp: h.udpDrops(), drops: m.get(coalescedKey) + m.sum("radiogw_fix_rejections_total")}
}

func (a lossAccount) delta(b lossAccount) (udp int64, drops float64) {
	return b.udp - a.udp, b.drops - a.drops
}

func (a lossAccount) check(t *testing.T, h *harness, what string, lost int64) int64 {
	udp, drops := a.delta(h.accounting(t))
	explained := udp + int64(drops)
	if lost > explained {
		t.Errorf("%s: %d points missing in InfluxDB, only %d explained by UDP drops, coalescing and rejections",
			what, lost, explained)
		return lost - explained
	}
	return 0
}

func perThousand(d time.Duration, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(d.Microseconds()) / 1000 / float64(n) * 1000
}

// drain waits until the inbox and the InfluxDB outbox are empty.
func (h *harness) drain(t *testing.T, within time.Duration) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		m := h.metrics(t)
		if m.get(depthKey) == 0 && m.get(`radiogw_queue_depth{queue="inbox"}`) == 0 {
			// The gauges update once a second; one more turn settles them.
			time.Sleep(1500 * time.Millisecond)
			if h.metrics(t).get(depthKey) == 0 {
				return
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Errorf("the InfluxDB outbox did not drain within %s", within)
}

func (h *harness) countPositions(t *testing.T, from, to time.Time) int64 {
	r, err := h.db.Query(fmt.Sprintf(`SELECT count("lat") FROM "unit_position" WHERE time >= %d AND time <= %d`,
		from.UnixNano(), to.UnixNano()))
	if err != nil {
		t.Fatalf("count points: %v", err)
	}
	if len(r.Series) == 0 || len(r.Series[0].Values) == 0 {
		return 0
	}
	n, _ := r.Series[0].Values[0][1].(json.Number).Int64()
	return n
}

// profile fetches a CPU profile of radiogw and stores it beside bench.json.
func (h *harness) profile(name string, d time.Duration) string {
	return h.fetch("cpu-"+strings.ReplaceAll(name, "x", "-"), fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(d.Seconds())))
}

// fetch stores one pprof endpoint's answer as radiogw-<name>.pprof.
func (h *harness) fetch(name, endpoint string) string {
	resp, err := h.http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", h.httpPort, endpoint))
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	path := filepath.Join(filepath.Dir(h.cfg.Out), "radiogw-"+name+".pprof")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "error: " + err.Error()
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "error: " + err.Error()
	}
	return filepath.Base(path)
}

// ---- outage, shutdown, restart ----

const (
	coalescedKey = `radiogw_drops_total{reason="position_coalesced",stage="inbox"}`
	depthKey     = `radiogw_outbox_depth{sink="influx"}`
	writtenKey   = `radiogw_sink_published_total{kind="point",sink="influx"}`
)

type outageResult struct {
	Load             string  `json:"load"`
	OutageS          float64 `json:"outage_s"`
	PeakDepth        int64   `json:"backlog_when_influxd_returned"`
	FirstDrainS      float64 `json:"influx_back_to_first_drain_s"`
	CatchUpS         float64 `json:"catch_up_s"`
	NetCatchUpPerS   float64 `json:"net_catch_up_points_per_s"`
	GrossCatchUpPerS float64 `json:"gross_catch_up_points_per_s"`
	Sent             int64   `json:"sent"`
	InInflux         int64   `json:"in_influx"`
	Lost             int64   `json:"lost"`
	UDPDrops         int64   `json:"udp_socket_drops"`
	Coalesced        float64 `json:"inbox_coalesced_or_rejected"`
	LoadAvg          string  `json:"loadavg"`
}

func (h *harness) outage(t *testing.T, st stepSpec, length time.Duration) outageResult {
	r := outageResult{Load: st.String(), OutageS: length.Seconds()}
	h.sub.follow(t, st.Units, h.cfg.Sample)
	acc := h.accounting(t)
	gen := h.load(st)
	firstFix := time.Now().Add(-time.Second)
	time.Sleep(3 * time.Second)
	h.db.Stop()
	time.Sleep(length)
	r.PeakDepth = int64(h.metrics(t).get(depthKey))
	h.db.Start()
	back := time.Now()
	h.influxPid = childPid(t, "influxd")
	// The backlog is cleared once as many points were confirmed since
	// influxd came back as were queued when it did (the outbox is FIFO).
	w0 := h.metrics(t).get(writtenKey)
	var first time.Time
	var wFirst float64
	for time.Since(back) < 15*time.Minute {
		w := h.metrics(t).get(writtenKey)
		if first.IsZero() && w > w0 {
			first, wFirst = time.Now(), w0
		}
		if w-w0 >= float64(r.PeakDepth) {
			r.FirstDrainS = first.Sub(back).Seconds()
			r.CatchUpS = time.Since(first).Seconds()
			if r.CatchUpS >= 0.1 { // a rate over less is noise
				r.GrossCatchUpPerS = (w - wFirst) / r.CatchUpS
				r.NetCatchUpPerS = r.GrossCatchUpPerS - st.rate()
			}
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	gen.stop()
	lastFix := time.Now().Add(time.Second)
	r.LoadAvg = loadAvg()
	h.drain(t, 10*time.Minute)
	r.Sent = gen.sent.Load()
	r.InInflux = h.countPositions(t, firstFix, lastFix)
	r.Lost = r.Sent - r.InInflux
	r.UDPDrops, r.Coalesced = acc.delta(h.accounting(t))
	acc.check(t, h, "outage", r.Lost)
	if r.CatchUpS == 0 {
		t.Errorf("outage: the backlog of %d points was not cleared", r.PeakDepth)
	}
	return r
}

type shutdownResult struct {
	Units    float64 `json:"units"`
	Ms       float64 `json:"sigterm_to_exit_ms"`
	ExitCode int     `json:"exit_code"`
}

func (h *harness) sigterm(t *testing.T) shutdownResult {
	r := shutdownResult{Units: h.metrics(t).sum("radiogw_units")}
	t0 := time.Now()
	h.gw.Cmd.Process.Signal(syscall.SIGTERM)
	r.ExitCode = h.gw.Wait(t, 2*time.Minute)
	r.Ms = float64(time.Since(t0).Microseconds()) / 1000
	if r.ExitCode != 0 {
		t.Errorf("exit code %d after SIGTERM", r.ExitCode)
	}
	return r
}

type restartResult struct {
	SnapshotUnits int     `json:"snapshot_units"`
	SnapshotBytes int64   `json:"snapshot_bytes"`
	RunningMs     float64 `json:"start_to_running_ms"`
	FirstStateMs  float64 `json:"start_to_first_state_ms"`
	Sampled       int     `json:"sampled_units"`
	AllSampledMs  float64 `json:"start_to_all_sampled_ms"`
	RSSKiB        int64   `json:"rss_after_restore_kib"`
}

func (h *harness) restart(t *testing.T) restartResult {
	var r restartResult
	snap := filepath.Join(h.dir, "data", "snapshot.json")
	if fi, err := os.Stat(snap); err == nil {
		r.SnapshotBytes = fi.Size()
	}
	r.SnapshotUnits = snapshotUnits(t, snap)
	// The snapshot holds the units of the last step (a fresh daemon per
	// fleet size).
	n := h.cfg.Steps[len(h.cfg.Steps)-1].Units
	r.Sampled = h.sub.follow(t, n, h.cfg.Sample)
	h.sub.watchArrivals()
	t0 := time.Now()
	r.RunningMs = float64(h.start(t).Microseconds()) / 1000
	deadline := t0.Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		first, count, last := h.sub.arrivals()
		if !first.IsZero() && r.FirstStateMs == 0 {
			r.FirstStateMs = float64(first.Sub(t0).Microseconds()) / 1000
		}
		if count >= r.Sampled {
			r.AllSampledMs = float64(last.Sub(t0).Microseconds()) / 1000
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r.AllSampledMs == 0 {
		t.Errorf("restart: not every followed unit was republished from the snapshot")
	}
	r.RSSKiB = rssKiB(h.gwPid())
	return r
}

func snapshotUnits(t *testing.T, path string) int {
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer f.Close()
	// The snapshot's first line is a header that counts its units.
	var head struct {
		Version int `json:"version"`
		Units   int `json:"units"`
	}
	if err := json.NewDecoder(bufio.NewReader(f)).Decode(&head); err != nil || head.Version < 2 {
		t.Fatalf("snapshot %s: no version 2 header (%v)", path, err)
	}
	return head.Units
}

// ---- load generator ----

// gen sends one step's load: every unit reports once per interval, spread
// evenly, from one goroutine and socket per UDP source.
type gen struct {
	sent atomic.Int64
	quit chan struct{}
	wg   sync.WaitGroup
}

func (h *harness) load(st stepSpec) *gen {
	g := &gen{quit: make(chan struct{})}
	n := len(h.udpPorts)
	for w := 0; w < n; w++ {
		g.wg.Add(1)
		go g.run(h.track, h.udpPorts[w], w, n, st)
	}
	return g
}

func (g *gen) stop() {
	close(g.quit)
	g.wg.Wait()
}

func (g *gen) run(tr *tracker, port, w, n int, st stepSpec) {
	defer g.wg.Done()
	conn, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	// Worker w sends the units i with i%n == w, round robin.
	mine := (st.Units - w + n - 1) / n
	if mine <= 0 {
		return
	}
	rate := float64(mine) / st.Interval.Seconds()
	start := time.Now()
	var done int64
	buf := make([]byte, 0, 128)
	for {
		select {
		case <-g.quit:
			return
		default:
		}
		now := time.Now()
		due := int64(now.Sub(start).Seconds() * rate)
		for ; done < due; done++ {
			i := w + int(done%int64(mine))*n
			round := int(done / int64(mine))
			fixAt := now.Truncate(10 * time.Millisecond)
			lat, lon := unitPosition(i, round)
			buf = appendRMC(buf[:0], i, fixAt, lat, lon)
			tr.sent(i, fixAt, time.Now())
			if _, err := conn.Write(buf); err == nil {
				g.sent.Add(1)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// unitPosition spreads units on a grid around Tustin, each creeping east
// about 1 m per report: far below any speed-jump limit.
func unitPosition(i, round int) (lat, lon float64) {
	return 33.60 + float64(i/400)*0.0005, -117.95 + float64(i%400)*0.0005 + float64(round%1000)*0.00001
}

func unitID(i int) string { return "B" + strconv.Itoa(1000000 + i)[1:] }

// appendRMC appends "B000123,$GPRMC,...*CS": the modem ID prefix vehicle
// modems put in front of the sentence, with a valid checksum.
func appendRMC(dst []byte, unit int, at time.Time, lat, lon float64) []byte {
	dst = append(dst, 'B')
	dst = appendPad(dst, unit, 6)
	dst = append(dst, ',', '$')
	body := len(dst)
	at = at.UTC()
	dst = append(dst, "GPRMC,"...)
	dst = appendPad(dst, at.Hour(), 2)
	dst = appendPad(dst, at.Minute(), 2)
	dst = appendPad(dst, at.Second(), 2)
	dst = append(dst, '.')
	dst = appendPad(dst, at.Nanosecond()/1e7, 2)
	dst = append(dst, ",A,"...)
	dst = appendAngle(dst, lat, 2, 'N', 'S')
	dst = append(dst, ',')
	dst = appendAngle(dst, lon, 3, 'E', 'W')
	dst = append(dst, ",12.5,270.0,"...)
	dst = appendPad(dst, at.Day(), 2)
	dst = appendPad(dst, int(at.Month()), 2)
	dst = appendPad(dst, at.Year()%100, 2)
	dst = append(dst, ",,,A"...)
	var sum byte
	for _, c := range dst[body:] {
		sum ^= c
	}
	const hex = "0123456789ABCDEF"
	return append(dst, '*', hex[sum>>4], hex[sum&15])
}

// appendAngle writes degrees as NMEA dd(d)mm.mmmm,H.
func appendAngle(dst []byte, v float64, degDigits int, pos, neg byte) []byte {
	hemi := pos
	if v < 0 {
		hemi, v = neg, -v
	}
	total := int(math.Round(v * 60 * 10000)) // 1e-4 minutes
	deg, rem := total/600000, total%600000
	dst = appendPad(dst, deg, degDigits)
	dst = appendPad(dst, rem/10000, 2)
	dst = append(dst, '.')
	dst = appendPad(dst, rem%10000, 4)
	return append(dst, ',', hemi)
}

func appendPad(dst []byte, v, width int) []byte {
	var tmp [12]byte
	s := strconv.AppendInt(tmp[:0], int64(v), 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// tracker remembers, per unit, when each of its last few fixes was sent,
// keyed by the fix time in centiseconds (RMC's resolution).
type tracker struct {
	units int
	mu    [256]sync.Mutex
	slots [][8]sentFix
}

type sentFix struct{ centi, sentNs int64 }

func newTracker(units int) *tracker { return &tracker{units: units, slots: make([][8]sentFix, units)} }

func (tr *tracker) sent(i int, fixAt, now time.Time) {
	c := fixAt.UnixMilli() / 10
	m := &tr.mu[i%len(tr.mu)]
	m.Lock()
	s := &tr.slots[i]
	s[c%8] = sentFix{c, now.UnixNano()}
	m.Unlock()
}

func (tr *tracker) lookup(i int, centi int64) (int64, bool) {
	if i < 0 || i >= len(tr.slots) {
		return 0, false
	}
	m := &tr.mu[i%len(tr.mu)]
	m.Lock()
	defer m.Unlock()
	s := tr.slots[i][centi%8]
	return s.sentNs, s.centi == centi
}

// ---- the subscriber ----

// latencySub follows a sample of units/<id> topics and records, for every
// state message carrying a fix the generator sent, how long it took.
type latencySub struct {
	c      paho.Client
	tr     *tracker
	mu     sync.Mutex
	topics []string
	lat    []time.Duration
	msgs   int
	// arrivals after watchArrivals: first message and distinct units seen
	watching bool
	first    time.Time
	last     time.Time
	seen     map[string]bool
	followed int
}

const topicUnits = "radiogw/bench/units/"

func newLatencySub(t *testing.T, addr string, tr *tracker) *latencySub {
	s := &latencySub{tr: tr}
	opts := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID("bench-sub").SetCleanSession(true).
		SetOrderMatters(false).SetAutoReconnect(true)
	opts.SetDefaultPublishHandler(s.onMessage)
	s.c = paho.NewClient(opts)
	if tok := s.c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber: %v", tok.Error())
	}
	t.Cleanup(func() { s.c.Disconnect(100) })
	return s
}

// follow subscribes to an even sample of n units (at most max) at QoS 0, as
// a display would, and returns how many.
func (s *latencySub) follow(t *testing.T, n, most int) int {
	if len(s.topics) > 0 {
		s.c.Unsubscribe(s.topics...).WaitTimeout(30 * time.Second)
	}
	stride := max(1, n/most)
	filters := map[string]byte{}
	var topics []string
	for i := 0; i < n; i += stride {
		tp := topicUnits + unitID(i)
		filters[tp] = 0
		topics = append(topics, tp)
	}
	if tok := s.c.SubscribeMultiple(filters, nil); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	time.Sleep(500 * time.Millisecond) // retained messages from before
	s.mu.Lock()
	s.topics, s.followed = topics, len(topics)
	s.mu.Unlock()
	return len(topics)
}

func (s *latencySub) onMessage(_ paho.Client, m paho.Message) {
	now := time.Now()
	if m.Retained() {
		return
	}
	id := strings.TrimPrefix(m.Topic(), topicUnits)
	s.mu.Lock()
	if s.watching {
		if s.first.IsZero() {
			s.first = now
		}
		if !s.seen[id] {
			s.seen[id] = true
			s.last = now
		}
	}
	s.mu.Unlock()
	i, err := strconv.Atoi(strings.TrimPrefix(id, "B"))
	if err != nil {
		return
	}
	p := m.Payload()
	k := bytes.Index(p, []byte(`"fix_time":"`))
	if k < 0 {
		return
	}
	p = p[k+len(`"fix_time":"`):]
	e := bytes.IndexByte(p, '"')
	if e < 0 {
		return
	}
	ft, err := time.Parse(time.RFC3339Nano, string(p[:e]))
	if err != nil {
		return
	}
	sentNs, ok := s.tr.lookup(i, ft.UnixMilli()/10)
	if !ok {
		return
	}
	s.mu.Lock()
	s.msgs++
	s.lat = append(s.lat, time.Duration(now.UnixNano()-sentNs))
	s.mu.Unlock()
}

func (s *latencySub) reset() {
	s.mu.Lock()
	s.lat, s.msgs = s.lat[:0], 0
	s.mu.Unlock()
}

func (s *latencySub) result(interval, el time.Duration) latencyResult {
	s.mu.Lock()
	lat := slices.Clone(s.lat)
	followed := s.followed
	s.mu.Unlock()
	slices.Sort(lat)
	r := latencyResult{Samples: len(lat)}
	expect := float64(followed) * el.Seconds() / interval.Seconds()
	if expect > 0 {
		r.Followed = float64(len(lat)) / expect
	}
	q := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		k := min(len(lat)-1, int(math.Ceil(p*float64(len(lat))))-1)
		return float64(lat[max(k, 0)].Microseconds()) / 1000
	}
	r.P50ms, r.P99ms, r.P999ms, r.Maxms = q(0.50), q(0.99), q(0.999), q(1)
	return r
}

func (s *latencySub) watchArrivals() {
	s.mu.Lock()
	s.watching, s.first, s.last, s.seen = true, time.Time{}, time.Time{}, map[string]bool{}
	s.mu.Unlock()
}

func (s *latencySub) arrivals() (first time.Time, n int, last time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first, len(s.seen), s.last
}

// ---- influxd: batched against point by point ----

type influxBaselineResult struct {
	PointByPoint      int     `json:"point_by_point_points"`
	PointByPointCPUms float64 `json:"point_by_point_influxd_cpu_ms_per_point"`
	PointByPointPerS  float64 `json:"point_by_point_points_per_s"`
	Batched           int     `json:"batched_points"`
	BatchedCPUms      float64 `json:"batched_influxd_cpu_ms_per_point"`
	BatchedPerS       float64 `json:"batched_points_per_s"`
	Ratio             float64 `json:"point_by_point_over_batched"`
	LoadAvg           string  `json:"loadavg"`
}

// influxBaseline writes the same kind of point to influxd one per request
// and 5000 per request, into a database of its own, and compares influxd's
// CPU time per point.
func influxBaseline(t *testing.T, db *influxtest.Server) influxBaselineResult {
	if _, err := db.Query("CREATE DATABASE baseline"); err != nil {
		t.Fatal(err)
	}
	pid := childPid(t, "influxd")
	c := &http.Client{Timeout: 30 * time.Second}
	post := func(body []byte) {
		resp, err := c.Post(db.URL+"/write?db=baseline&precision=ns", "text/plain", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("baseline write: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("baseline write: HTTP %d", resp.StatusCode)
		}
	}
	base := time.Now().Add(-time.Hour).UnixNano()
	line := func(dst []byte, k int) []byte {
		i := k % 10000
		lat, lon := unitPosition(i, k/10000)
		return fmt.Appendf(dst, "unit_position,site=bench,source=avl0,unit=%s,unlisted=true lat=%f,lon=%f,speed_kmh=23.15,heading=270 %d\n",
			unitID(i), lat, lon, base+int64(k)*1e6)
	}
	var r influxBaselineResult
	r.PointByPoint, r.Batched = 3000, 100000
	time.Sleep(time.Second)
	c0, w0 := procCPU(pid), time.Now()
	var buf []byte
	for k := 0; k < r.PointByPoint; k++ {
		post(line(buf[:0], k))
	}
	c1, w1 := procCPU(pid), time.Now()
	for k := r.PointByPoint; k < r.PointByPoint+r.Batched; k += 5000 {
		buf = buf[:0]
		for j := k; j < k+5000; j++ {
			buf = line(buf, j)
		}
		post(buf)
	}
	time.Sleep(time.Second) // let the WAL writes of the last batch settle in the CPU count
	c2, w2 := procCPU(pid), time.Now()
	r.PointByPointCPUms = float64((c1 - c0).Microseconds()) / 1000 / float64(r.PointByPoint)
	r.PointByPointPerS = float64(r.PointByPoint) / w1.Sub(w0).Seconds()
	r.BatchedCPUms = float64((c2 - c1).Microseconds()) / 1000 / float64(r.Batched)
	r.BatchedPerS = float64(r.Batched) / (w2.Sub(w1) - time.Second).Seconds()
	if r.BatchedCPUms > 0 {
		r.Ratio = r.PointByPointCPUms / r.BatchedCPUms
	}
	r.LoadAvg = loadAvg()
	return r
}

// ---- /proc and /metrics ----

type cpuSample struct{ gw, influx, mosq, self time.Duration }

func (h *harness) cpu() cpuSample {
	return cpuSample{gw: procCPU(h.gwPid()), influx: procCPU(h.influxPid), mosq: procCPU(h.mosqPid), self: procCPU(os.Getpid())}
}

// procCPU is utime+stime of a process from /proc/<pid>/stat.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * clockTick
}

// rssKiB is a process's resident memory in KiB.
func rssKiB(pid int) int64 { return vmRSS(pid) >> 10 }

// childPid finds the newest child of this test process whose command is name.
func childPid(t *testing.T, name string) int {
	ents, _ := os.ReadDir("/proc")
	best := 0
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		open, close := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if open < 0 || close < open || string(b[open+1:close]) != name {
			continue
		}
		f := strings.Fields(string(b[close+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(os.Getpid()) && pid > best {
			best = pid
		}
	}
	if best == 0 {
		t.Fatalf("no %s child process", name)
	}
	return best
}

// udpDrops is the kernel's count of datagrams dropped for a full receive
// buffer on radiogw's sockets (the "drops" column of /proc/net/udp): the
// system-wide RcvbufErrors would count other processes' sockets too.
func (h *harness) udpDrops() int64 {
	b, _ := os.ReadFile("/proc/net/udp")
	var n int64
	for _, l := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(l)
		if len(f) < 13 {
			continue
		}
		_, hexPort, _ := strings.Cut(f[1], ":")
		port, err := strconv.ParseInt(hexPort, 16, 32)
		if err != nil || !slices.Contains(h.udpPorts, int(port)) {
			continue
		}
		d, _ := strconv.ParseInt(f[len(f)-1], 10, 64)
		n += d
	}
	return n
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// promSample is one scrape of /metrics: "name{labels}" → value, labels
// sorted as the Prometheus client prints them.
type promSample map[string]float64

func (h *harness) metrics(t *testing.T) promSample {
	resp, err := h.http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", h.httpPort))
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	m := promSample{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		k := strings.LastIndexByte(l, ' ')
		if v, err := strconv.ParseFloat(l[k+1:], 64); err == nil {
			m[l[:k]] = v
		}
	}
	return m
}

func (m promSample) get(k string) float64 { return m[k] }

func (m promSample) delta(old promSample, k string) float64 { return m[k] - old[k] }

// sum adds every series of a metric.
func (m promSample) sum(name string) float64 {
	var s float64
	for k, v := range m {
		if k == name || strings.HasPrefix(k, name+"{") {
			s += v
		}
	}
	return s
}

// ---- summaries ----

type benchOut struct {
	Date           string               `json:"date"`
	Machine        machine              `json:"machine"`
	Settings       benchConfig          `json:"settings"`
	InfluxBaseline influxBaselineResult `json:"influx_baseline"`
	RSSIdleKiB     int64                `json:"radiogw_rss_idle_kib"`
	IdleCPUCores   float64              `json:"radiogw_idle_cpu_cores"`
	Steps          []stepResult         `json:"steps"`
	Sustained      sustainedResult      `json:"sustained"`
	Memory         memoryResult         `json:"memory"`
	Outage         outageResult         `json:"outage"`
	Shutdown       shutdownResult       `json:"shutdown"`
	Restart        restartResult        `json:"restart"`
	HeapProfile    string               `json:"heap_profile,omitempty"`
}

type machine struct {
	NProc    int    `json:"nproc"`
	CPU      string `json:"cpu"`
	MemTotal string `json:"mem_total"`
	Kernel   string `json:"kernel"`
	Go       string `json:"go"`
}

func machineInfo() machine {
	m := machine{NProc: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		l, _, _ := strings.Cut(string(b), "\n")
		m.MemTotal = strings.TrimSpace(strings.TrimPrefix(l, "MemTotal:"))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

type sustainedResult struct {
	Step   string  `json:"step"`
	PerS   float64 `json:"reports_per_s"`
	Reason string  `json:"next_step_failed_because,omitempty"`
}

// sustained is the highest step sent at ≥ 95 % of its offered rate with
// every point in InfluxDB and a bounded outbox; Reason names the first
// faster step that failed.
func sustained(steps []stepResult) sustainedResult {
	why := make([]string, len(steps))
	var best sustainedResult
	for i, s := range steps {
		switch {
		case s.SentPerS < 0.95*s.OfferedPerS:
			why[i] = fmt.Sprintf("the generator sent only %.0f of %.0f/s", s.SentPerS, s.OfferedPerS)
		case s.Lost != 0:
			why[i] = fmt.Sprintf("%d of %d points missing in InfluxDB", s.Lost, s.Sent)
		case !s.Bounded:
			why[i] = fmt.Sprintf("outbox grew to %d", s.OutboxEnd)
		}
		if why[i] == "" && s.SentPerS > best.PerS {
			best = sustainedResult{Step: s.Name, PerS: s.SentPerS}
		}
	}
	for i, s := range steps {
		if why[i] != "" && s.OfferedPerS > best.PerS {
			best.Reason = s.Name + ": " + why[i]
			break
		}
	}
	return best
}

type memoryResult struct {
	Units          float64 `json:"units"`
	RSSKiB         int64   `json:"rss_kib"`
	KiBPerUnit     float64 `json:"kib_per_unit_over_idle"`
	KiBPer1000     float64 `json:"kib_per_1000_units"`
	ReportsPerUnit float64 `json:"reports_per_unit_so_far"`
}

// memoryFigures takes the last step with the most units: RSS over the idle
// process, per tracked unit, after that many reports per unit.
func memoryFigures(idle int64, steps []stepResult) memoryResult {
	var r memoryResult
	var sent int64 // since the daemon was started fresh for this fleet size
	for i, s := range steps {
		if i > 0 && s.Units != steps[i-1].Units {
			sent = 0
		}
		sent += s.Sent
		if s.TrackedUnits >= r.Units && s.TrackedUnits > 0 {
			r.Units, r.RSSKiB = s.TrackedUnits, s.RSSKiB
			r.ReportsPerUnit = float64(sent) / s.TrackedUnits
		}
	}
	if r.Units > 0 {
		r.KiBPerUnit = float64(r.RSSKiB-idle) / r.Units
		r.KiBPer1000 = r.KiBPerUnit * 1000
	}
	return r
}

func writeJSON(t *testing.T, path string, v any) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
