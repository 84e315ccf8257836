package main

// Faults that darken or roll back the wall: a full disk, a broker that
// comes back (empty), a kill -9. The helpers run short in `make test`
// (TestFaultSmoke*) and with 35 s outages in `make faults`
// (faults_wall_test.go). Every run prints a FAULTROW line per fault that
// docs/RELIABILITY.md's table is copied from.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/gateway/publish/influx/influxtest"
	"radiogw/gateway/testsvc"
)

// influxBlock points radiogw at a test influxd (auth off: any token works).
func influxBlock(srv *influxtest.Server) string {
	return fmt.Sprintf("\ninflux {\n  url         = %q\n  bucket      = \"radiogw/autogen\"\n  token_env   = \"FAULT_INFLUX_TOKEN\"\n  flush_every = \"200ms\"\n}\n", srv.URL)
}

var influxEnv = []string{"FAULT_INFLUX_TOKEN=radiogw:unused"}

// wall records every message a display would see, with its arrival time.
type wall struct {
	mu         sync.Mutex
	msgs       []wallMsg
	c          paho.Client
	subscribed bool
}

type wallMsg struct {
	topic    string
	payload  []byte
	at       time.Time
	retained bool
}

func watchWall(t *testing.T, addr, filter string) *wall {
	t.Helper()
	w := &wall{}
	opts := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(fmt.Sprintf("wall-%d", time.Now().UnixNano())).
		SetAutoReconnect(true).SetConnectRetry(true).SetConnectRetryInterval(50 * time.Millisecond).
		SetMaxReconnectInterval(100 * time.Millisecond).SetCleanSession(true).
		SetOnConnectHandler(func(c paho.Client) {
			tok := c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
				w.mu.Lock()
				w.msgs = append(w.msgs, wallMsg{m.Topic(), append([]byte(nil), m.Payload()...), time.Now(), m.Retained()})
				w.mu.Unlock()
			})
			go func() {
				tok.Wait()
				w.mu.Lock()
				w.subscribed = true
				w.mu.Unlock()
			}()
		})
	w.c = paho.NewClient(opts)
	if tok := w.c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("wall connect to %s: %v", addr, tok.Error())
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		w.mu.Lock()
		ok := w.subscribed
		w.mu.Unlock()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("wall: no SUBACK from %s", addr)
		}
	}
	t.Cleanup(func() { w.c.Disconnect(100) })
	return w
}

// first returns the first message on topic after since that ok accepts.
func (w *wall) first(topic string, since time.Time, ok func([]byte) bool) (wallMsg, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.msgs {
		if m.topic == topic && !m.at.Before(since) && ok(m.payload) {
			return m, true
		}
	}
	return wallMsg{}, false
}

// waitFirst waits up to within for first.
func (w *wall) waitFirst(topic string, since time.Time, within time.Duration, ok func([]byte) bool) (wallMsg, bool) {
	deadline := time.Now().Add(within)
	for {
		if m, found := w.first(topic, since, ok); found || time.Now().After(deadline) {
			return m, found
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// eventIDs counts each event ID seen on topic.
func (w *wall) eventIDs(topic string) map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]int{}
	for _, m := range w.msgs {
		if m.topic != topic {
			continue
		}
		var e struct {
			ID string `json:"id"`
		}
		json.Unmarshal(m.payload, &e)
		out[e.ID]++
	}
	return out
}

// eventsWith lists the events on topic whose payload contains sub.
func (w *wall) eventsWith(topic, sub string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, m := range w.msgs {
		if m.topic == topic && strings.Contains(string(m.payload), sub) {
			n++
		}
	}
	return n
}

// updatedOf reads a unit payload's updated time.
func updatedOf(b []byte) time.Time {
	var u struct {
		Updated time.Time `json:"updated"`
	}
	json.Unmarshal(b, &u)
	return u.Updated
}

// faultRow prints one line of docs/RELIABILITY.md's fault table.
func faultRow(t *testing.T, fault string, sent, arrived int, lost string, dups int, recovery string) {
	t.Helper()
	t.Logf("FAULTROW | %s | %d | %d | %s | %d | %s |", fault, sent, arrived, lost, dups, recovery)
}

// tmpfsDataDir mounts a tmpfs of size under the site's data directory: a
// disk that really fills up.
func tmpfsDataDir(t *testing.T, s *site, size string) string {
	t.Helper()
	data := filepath.Join(s.dir, "data")
	os.MkdirAll(data, 0o750)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", data).CombinedOutput(); err != nil {
		t.Fatalf("this test needs root to mount a %s tmpfs as the data directory: %v: %s", size, err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", data).Run() })
	return data
}

// hog keeps a file growing whenever the filesystem has room, as a runaway
// log would: whatever radiogw frees, it takes. stop removes the file.
func hog(t *testing.T, path string) (stop func()) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 16<<10)
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := f.Write(buf); errors.Is(err, syscall.ENOSPC) {
				time.Sleep(5 * time.Millisecond)
			}
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(done)
			wg.Wait()
			f.Close()
			os.Remove(path)
		})
	}
	t.Cleanup(stop)
	return stop
}

// emergencyUnits is HCL for n units whose radios raise the emergencies of
// the fault tests (radio 15NN is unit EMNN).
func emergencyUnits(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "\nunit \"EM%02d\" {\n  radio_ids = [\"15%02d\"]\n}\n", i, i)
	}
	return b.String()
}

// faultDiskFull: the data directory is an 8 MiB tmpfs and InfluxDB is down;
// once radiogw runs, another writer keeps the disk full for hold while
// fixes, status messages and emergencies keep coming. Every emergency and
// status event must reach the wall, every unit's latest state too; what
// could not be made durable is counted and alarmed; when the disk is freed
// and InfluxDB is back the outbox drains promptly.
func faultDiskFull(t *testing.T, hold time.Duration, units int) {
	srv := influxtest.Start(t, "radiogw")
	srv.Stop()
	mq := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	s := newSite(t)
	data := tmpfsDataDir(t, s, "8m")
	tcpPort, console := testsvc.FreePort(t), testsvc.FreeUDPPort(t)
	const emergencies = 6
	s.mqttBlock = mqttBrokerBlock(mq.Addr)
	s.extra = tcpListenSource("modems", tcpPort, "") + influxBlock(srv) + consoleSource(console) + emergencyUnits(emergencies)
	s.write(t)
	p := s.startEnv(t, influxEnv)
	w := watchWall(t, mq.Addr, "radiogw/test/#")
	c := dialTCP(t, tcpPort)

	base := time.Now().Add(-time.Hour)
	k := 0
	last := make([][2]float64, units)
	sendFixes := func() {
		var buf []byte
		for u := 0; u < units; u++ {
			line, lat, lon := fleetFix(u, k, base)
			buf = append(buf, line+"\r\n"...)
			last[u] = [2]float64{lat, lon}
		}
		k++
		writeLine(t, c, strings.TrimSuffix(string(buf), "\r\n"))
	}
	stopHog := hog(t, filepath.Join(data, "runaway.log"))
	start := time.Now()
	statuses, raised := 0, 0
	alarmed, statusAlarm := false, false
	for i := 0; time.Since(start) < hold; i++ {
		sendFixes()
		if i%10 == 5 {
			sendUDP(t, console, fmt.Sprintf("S1201-%d", statuses%9+1))
			statuses++
		}
		if raised < emergencies && time.Since(start) > time.Duration(raised+1)*hold/(emergencies+1) {
			sendUDP(t, console, fmt.Sprintf("E15%02d", raised))
			raised++
		}
		if i%25 == 0 {
			m := scrape(t, s.httpPort)
			alarmed = alarmed || m.get("radiogw_outbox_write_failing", `sink="mqtt"`) == 1
			var st struct {
				Sinks []struct {
					Name          string `json:"name"`
					WriteFailing  bool   `json:"write_failing"`
					MemoryBacklog int    `json:"memory_backlog"`
				} `json:"sinks"`
			}
			json.Unmarshal([]byte(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/status", s.httpPort))), &st)
			for _, x := range st.Sinks {
				statusAlarm = statusAlarm || x.WriteFailing
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // outbox counters follow once a second
	full := scrape(t, s.httpPort)
	alarmed = alarmed || full.get("radiogw_outbox_write_failing", `sink="mqtt"`) == 1 // held a minute after the last failure

	// The fault ends: the runaway writer stops and its file goes, InfluxDB
	// comes back. The first fix after that must be on the wall at once.
	stopHog()
	srv.Start()
	ended := time.Now()
	sendFixes()
	fresh, ok := w.waitFirst("radiogw/test/units/"+fleetID(0), ended, 10*time.Second, positionAt(last[0][0], last[0][1]))
	if !ok {
		t.Fatalf("no fresh state on the wall within 10 s of the disk being freed")
	}
	recovery := fresh.at.Sub(ended)
	drain := waitMetric(t, s.httpPort, 60*time.Second, "influx outbox drained", func(m metricSet) bool {
		return m.get("radiogw_outbox_depth", `sink="influx"`) == 0 && m.get("radiogw_sink_memory_backlog", `sink="mqtt"`) == 0
	})
	drained := time.Since(ended)

	// Every emergency and status event reached the wall.
	for i := 0; i < emergencies; i++ {
		radio := fmt.Sprintf(`"radio_id":"15%02d"`, i)
		if _, ok := w.waitFirst("radiogw/test/events/emergency", start, 10*time.Second, func(b []byte) bool {
			return strings.Contains(string(b), radio)
		}); !ok {
			t.Errorf("emergency of radio 15%02d never reached the wall", i)
		}
		if _, ok := w.waitFirst(fmt.Sprintf("radiogw/test/units/EM%02d", i), start, 10*time.Second, func(b []byte) bool {
			return strings.Contains(string(b), `"emergency":{`)
		}); !ok {
			t.Errorf("unit EM%02d never showed its emergency on the wall", i)
		}
	}
	arrivedEm := 0
	emDups := 0
	for _, n := range w.eventIDs("radiogw/test/events/emergency") {
		arrivedEm++
		emDups += n - 1
	}
	statusIDs := w.eventIDs("radiogw/test/events/status")
	stDups := 0
	for _, n := range statusIDs {
		stDups += n - 1
	}
	if len(statusIDs) < statuses {
		t.Errorf("%d status events reached the wall, %d were sent", len(statusIDs), statuses)
	}
	// Every unit's latest position is on the wall.
	for u := 0; u < units; u++ {
		if _, ok := w.waitFirst("radiogw/test/units/"+fleetID(u), ended, 10*time.Second, positionAt(last[u][0], last[u][1])); !ok {
			t.Errorf("unit %s: latest position not on the wall", fleetID(u))
		}
	}
	// What could not be made durable was counted and alarmed.
	notDurable := full.get("radiogw_sink_not_durable_total", `sink="mqtt"`)
	if notDurable == 0 || !alarmed || !statusAlarm {
		t.Errorf("a full disk must be alarmed: not durable %g, metric alarm %v, status alarm %v:\n%s", notDurable, alarmed,
			statusAlarm, full.nonZero(dropFamilies...))
	}
	// Every fix is in InfluxDB or counted as lost.
	fixes := units * k
	// InfluxDB's count, once it stopped moving.
	var inDB int64 = -1
	for stable := 0; stable < 5 && time.Since(ended) < time.Minute; time.Sleep(300 * time.Millisecond) {
		n, err := srv.Count("unit_position", "lat")
		if err != nil {
			continue
		}
		if n == inDB {
			stable++
		} else {
			stable, inDB = 0, n
		}
	}
	final := scrape(t, s.httpPort)
	lostCounted := final.get("radiogw_outbox_dropped_total", `sink="influx"`)
	// Once the disk is free again, everything is written again.
	if after, before := final.get("radiogw_outbox_dropped_total", `reason="write_error"`), full.get("radiogw_outbox_dropped_total", `reason="write_error"`); after > before {
		t.Errorf("writes still failing after the disk was freed: write_error %g at the end of the fault, %g now\n%s", before, after,
			linesWith(p.Output(), "level=ERROR"))
	}
	if float64(inDB)+lostCounted < float64(fixes) {
		t.Errorf("%d fixes sent, %d in InfluxDB, %g counted lost: %g unaccounted\n%s", fixes, inDB, lostCounted,
			float64(fixes)-float64(inDB)-lostCounted, final.nonZero(dropFamilies...))
	}
	// Logs at a sane rate: a full disk fails every step.
	failLines := strings.Count(p.Output(), "NOT WRITABLE") + strings.Count(p.Output(), "sink write failed")
	if limit := 4 * (int(hold/(10*time.Second)) + 2); failLines > limit {
		t.Errorf("%d write-failure log lines in %s, want at most %d (rate-limited)", failLines, hold, limit)
	}
	if bound := 30 * time.Second; drained > bound {
		t.Errorf("the outbox took %s to drain after the disk was freed, want under %s", drained, bound)
	}
	if recovery > 2*time.Second {
		t.Errorf("first fresh state %s after the disk was freed, want under 2 s", recovery)
	}
	faultRow(t, fmt.Sprintf("disk full %s (8 MiB tmpfs, InfluxDB down): emergencies", hold.Round(time.Second)), emergencies, arrivedEm, "0", emDups,
		recovery.Round(time.Millisecond).String())
	faultRow(t, "  status events", statuses, len(statusIDs), "0", stDups, "-")
	faultRow(t, "  fixes to InfluxDB", fixes, int(inDB), fmt.Sprintf("%g (%s)", lostCounted,
		strings.ReplaceAll(final.nonZero("radiogw_outbox_dropped_total"), "\n", ", ")), 0, "drained "+drained.Round(time.Millisecond).String())
	t.Logf("disk full: not durable (sent from memory) %g, write-failure log lines %d, drain counters:\n%s", notDurable, failLines,
		drain.nonZero(dropFamilies...))
	if p.Exited() {
		t.Fatal("radiogw exited on a full disk")
	}
}

func TestFaultSmokeDiskFull(t *testing.T) { faultDiskFull(t, 8*time.Second, 20) }

// faultCrashRestart: units report, a snapshot is written, then the same
// units move and new ones are heard for the first time; radiogw is killed
// with SIGKILL before the next snapshot and started again. The restart
// must not publish any unit state older than the broker retained, and
// must know every unit with its latest position (the journal after the
// snapshot is replayed).
func faultCrashRestart(t *testing.T, units int) {
	mq := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	s := newSite(t)
	tcpPort := testsvc.FreePort(t)
	s.snapshotEvery = "30s"
	s.mqttBlock = mqttBrokerBlock(mq.Addr)
	s.extra = tcpListenSource("modems", tcpPort, "")
	s.write(t)
	p := s.start(t)
	w := watchWall(t, mq.Addr, "radiogw/test/#")
	snapPath := filepath.Join(s.dir, "data", "snapshot.json")
	base := time.Now().Add(-10 * time.Minute)
	last := map[string][2]float64{}
	send := func(from, to, k int) {
		c := dialTCP(t, tcpPort)
		var buf []byte
		for u := from; u < to; u++ {
			line, lat, lon := fleetFix(u, k, base)
			buf = append(buf, line+"\r\n"...)
			last[fleetID(u)] = [2]float64{lat, lon}
		}
		if _, err := c.Write(buf); err != nil {
			t.Fatal(err)
		}
		for u := from; u < to; u++ {
			pos := last[fleetID(u)]
			if _, ok := w.waitFirst("radiogw/test/units/"+fleetID(u), time.Time{}, 15*time.Second, positionAt(pos[0], pos[1])); !ok {
				t.Fatalf("unit %s not on the wall", fleetID(u))
			}
		}
		c.Close()
	}
	// Phase 1: half the fleet, caught by a snapshot.
	phase1 := time.Now()
	send(0, units/2, 0)
	for deadline := time.Now().Add(45 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if st, err := os.Stat(snapPath); err == nil && st.ModTime().After(phase1.Add(100*time.Millisecond)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no snapshot written after phase 1")
		}
	}
	// Phase 2, right after the snapshot: the same units move on, the rest
	// of the fleet is heard for the first time. Then kill -9.
	snapAt := time.Now()
	for k := 1; k <= 3; k++ {
		send(0, units, k)
	}
	if time.Since(snapAt) > 25*time.Second {
		t.Fatalf("phase 2 took %s: the next snapshot may have been written", time.Since(snapAt))
	}
	killedAt := time.Now()
	p.Cmd.Process.Signal(syscall.SIGKILL)
	p.Wait(t, 10*time.Second)
	// What the broker retained at the crash, per unit.
	retained := map[string]time.Time{}
	for u := 0; u < units; u++ {
		m, ok := w.waitFirst("radiogw/test/units/"+fleetID(u), time.Time{}, time.Second, func(b []byte) bool {
			return positionAt(last[fleetID(u)][0], last[fleetID(u)][1])(b)
		})
		if !ok {
			t.Fatalf("unit %s: final state not on the broker before the crash", fleetID(u))
		}
		retained[fleetID(u)] = updatedOf(m.payload)
	}

	// While radiogw is down, another instance (a warm standby taking over)
	// publishes a newer state of one unit: the restart must leave it.
	standby := fmt.Sprintf(`{"class":"unit","v":1,"site":"test","unit":%q,"position":{"lat":1.5,"lon":2.5,"fix_time":%q},"updated":%q}`,
		fleetID(units-1), time.Now().UTC().Format(time.RFC3339Nano), time.Now().UTC().Format(time.RFC3339Nano))
	pc := mqttPublisher(t, mq.Addr, "standby")
	if tok := pc.Publish("radiogw/test/units/"+fleetID(units-1), 1, true, standby); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	pc.Disconnect(100)
	retained[fleetID(units-1)] = updatedOf([]byte(standby))

	restarted := time.Now()
	p2 := s.start(t)
	running := time.Now()
	// Let the restart republish everything it wants to.
	w.waitFirst("radiogw/test/status", restarted, 10*time.Second, func(b []byte) bool { return string(b) == "online" })
	time.Sleep(3 * time.Second)
	rollbacks, republished := 0, 0
	w.mu.Lock()
	for _, m := range w.msgs {
		id, ok := strings.CutPrefix(m.topic, "radiogw/test/units/")
		if !ok || m.at.Before(restarted) || m.retained {
			continue
		}
		republished++
		if r, known := retained[id]; known && updatedOf(m.payload).Before(r) {
			rollbacks++
			t.Errorf("unit %s rolled back: published updated %s after the restart, the broker retained %s", id,
				updatedOf(m.payload).Format(time.RFC3339Nano), r.Format(time.RFC3339Nano))
		}
	}
	w.mu.Unlock()
	// Every unit is known again, at its latest position.
	var got []json.RawMessage
	json.Unmarshal([]byte(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/units", s.httpPort))), &got)
	known := map[string]bool{}
	for _, raw := range got {
		var u struct{ Unit string }
		json.Unmarshal(raw, &u)
		known[u.Unit] = true
		if pos, ok := last[u.Unit]; ok && !positionAt(pos[0], pos[1])(raw) && u.Unit != fleetID(units-1) {
			t.Errorf("unit %s restored at an old position: %s", u.Unit, raw)
		}
	}
	missing := 0
	for id := range last {
		if !known[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d units unknown after the restart (first heard after the snapshot?)", missing, len(last))
	}
	// The standby's newer state is still what the broker retains.
	check := subscribe(t, mq.Addr, "radiogw/test/units/"+fleetID(units-1))
	check.waitTopic(t, "radiogw/test/units/"+fleetID(units-1), 5*time.Second, positionAt(1.5, 2.5))
	// The wall is live again: a new fix is published at once.
	c := dialTCP(t, tcpPort)
	line, lat, lon := fleetFix(0, 10, base)
	sent := time.Now()
	writeLine(t, c, line)
	m, ok := w.waitFirst("radiogw/test/units/"+fleetID(0), sent, 10*time.Second, positionAt(lat, lon))
	if !ok {
		t.Fatal("no fresh state after the restart")
	}
	met := scrape(t, s.httpPort)
	if met.get("radiogw_drops_total", `reason="older_than_retained_unit"`) < 1 {
		t.Errorf("the standby's newer state was not counted as withheld")
	}
	faultRow(t, fmt.Sprintf("kill -9 %s after a snapshot, %d units (%d first heard after it)", killedAt.Sub(snapAt).Round(100*time.Millisecond), units, units-units/2),
		units, units-missing, fmt.Sprintf("%d rolled back, %d unknown", rollbacks, missing), 0,
		fmt.Sprintf("start to running %s; fix to wall %s", running.Sub(restarted).Round(time.Millisecond), m.at.Sub(sent).Round(time.Millisecond)))
	t.Logf("crash restart: %d unit states republished after the restart, %g withheld as older than retained; journal replay: %s",
		republished, met.get("radiogw_drops_total", `reason="older_than_retained_unit"`), linesWith(p2.Output(), "journal replayed"))
}

func linesWith(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// faultBrokerReturn: the site's mosquitto dies while fixes keep coming, an
// emergency is raised during the outage, and after down it comes back
// empty. The wall must be live again within 2 s of the broker accepting
// connections, with status online and every unit retained; the emergency
// from the outage and one raised right after the return arrive.
func faultBrokerReturn(t *testing.T, down time.Duration, units int) {
	mq := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	s := newSite(t)
	tcpPort, console := testsvc.FreePort(t), testsvc.FreeUDPPort(t)
	s.mqttBlock = mqttBrokerBlock(mq.Addr)
	s.extra = tcpListenSource("modems", tcpPort, "") + consoleSource(console) + emergencyUnits(2)
	s.write(t)
	p := s.start(t)
	w := watchWall(t, mq.Addr, "radiogw/test/#")
	c := dialTCP(t, tcpPort)
	base := time.Now().Add(-time.Hour)
	var mu sync.Mutex
	k := 0
	last := make([][2]float64, units)
	sentAt := map[int]time.Time{} // fix round → when it was sent
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // the field keeps reporting, 5 rounds a second
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			var buf []byte
			mu.Lock()
			for u := 0; u < units; u++ {
				line, lat, lon := fleetFix(u, k, base)
				buf = append(buf, line+"\r\n"...)
				last[u] = [2]float64{lat, lon}
			}
			sentAt[k] = time.Now()
			k++
			mu.Unlock()
			c.Write(buf)
			time.Sleep(200 * time.Millisecond)
		}
	}()
	time.Sleep(time.Second)
	mq.Stop()
	downAt := time.Now()
	time.Sleep(down / 2)
	sendUDP(t, console, "E1500") // raised during the outage: queued
	var st struct {
		Ready    bool   `json:"ready"`
		NotReady string `json:"not_ready"`
		Sinks    []struct {
			Name      string `json:"name"`
			Connected *bool  `json:"connected"`
		} `json:"sinks"`
	}
	json.Unmarshal([]byte(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/status", s.httpPort))), &st)
	shownDown := false
	for _, x := range st.Sinks {
		shownDown = shownDown || x.Name == "mqtt" && x.Connected != nil && !*x.Connected
	}
	if !shownDown {
		t.Errorf("status during the outage does not show the mqtt sink disconnected: %+v", st)
	}
	if down > 12*time.Second {
		if code := getStatus(t, fmt.Sprintf("http://127.0.0.1:%d/readyz", s.httpPort)); code != 503 {
			t.Errorf("/readyz = %d %s after the broker was gone, want 503", code, down/2)
		}
	}
	time.Sleep(down - time.Since(downAt))
	mq.Restart() // returns once the broker accepts connections: empty
	backAt := time.Now()
	// A display that was waiting for the broker: events published before a
	// display subscribes are not retained, so it subscribes first.
	w = watchWall(t, mq.Addr, "radiogw/test/#")
	sendUDP(t, console, "E1501") // raised right after the return
	raised := time.Now()
	mu.Lock()
	round := k
	mu.Unlock()
	// Recovery as an operator sees it: the first state on the wall carrying
	// a fix sent after the broker was back.
	var fresh wallMsg
	for r := round; ; r++ {
		mu.Lock()
		sent, ok := sentAt[r]
		mu.Unlock()
		if !ok {
			time.Sleep(50 * time.Millisecond)
			if time.Since(backAt) > 20*time.Second {
				t.Fatal("no fix sent after the return")
			}
			r--
			continue
		}
		_, lat, lon := fleetFix(0, r, base)
		if m, ok := w.waitFirst("radiogw/test/units/"+fleetID(0), sent, 3*time.Second, positionAt(lat, lon)); ok {
			fresh = m
			break
		}
		if time.Since(backAt) > 20*time.Second {
			t.Fatal("no fresh state on the wall within 20 s of the broker's return")
		}
	}
	recovery := fresh.at.Sub(backAt)
	em, ok := w.waitFirst("radiogw/test/events/emergency", backAt, 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"radio_id":"1501"`)
	})
	if !ok {
		t.Fatal("the emergency raised after the return never reached the wall")
	}
	emDelay := em.at.Sub(raised)
	// The one raised during the outage is on the wall too: its event was
	// queued (published as the broker came back, perhaps before a display
	// resubscribed) and the unit's retained state carries it.
	if _, ok := w.waitFirst("radiogw/test/units/EM00", backAt, 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"emergency":{`)
	}); !ok {
		t.Error("the emergency raised during the outage is not on the wall")
	}
	close(stop)
	<-done
	// A display that connects now sees everything the empty broker must
	// hold again: online, every unit.
	time.Sleep(time.Second)
	late := subscribe(t, mq.Addr, "radiogw/test/#")
	late.waitTopic(t, "radiogw/test/status", 5*time.Second, func(b []byte) bool { return string(b) == "online" })
	for u := 0; u < units; u++ {
		late.waitTopic(t, "radiogw/test/units/"+fleetID(u), 5*time.Second, positionAt(last[u][0], last[u][1]))
	}
	late.waitTopic(t, "radiogw/test/units/EM01", 5*time.Second, func(b []byte) bool { return strings.Contains(string(b), `"emergency":{`) })
	emIDs := w.eventIDs("radiogw/test/events/emergency")
	if w.eventsWith("radiogw/test/events/emergency", `"radio_id":"1500"`) == 0 {
		emIDs["outage"] = 1 // on the wall as the unit's retained state (checked above)
	}
	dups := 0
	for _, n := range emIDs {
		dups += n - 1
	}
	m := scrape(t, s.httpPort)
	if recovery > 2*time.Second {
		t.Errorf("the wall was back %s after the broker, want within 2 s", recovery.Round(time.Millisecond))
	}
	if emDelay > 2*time.Second {
		t.Errorf("an emergency raised after the broker's return took %s, want within 2 s", emDelay.Round(time.Millisecond))
	}
	if m.get("radiogw_sink_retries_total", `sink="mqtt"`) == 0 {
		t.Errorf("no reconnect retry counted during a %s outage", down)
	}
	if n := strings.Count(p.Output(), "broker unreachable"); n > int(down/(30*time.Second))+3 {
		t.Errorf("%d 'broker unreachable' lines in a %s outage: not rate-limited", n, down)
	}
	faultRow(t, fmt.Sprintf("mosquitto down %s, back empty: emergencies", down.Round(time.Second)), 2, len(emIDs), "0", dups,
		fmt.Sprintf("%s to first fresh state; emergency after return %s", recovery.Round(time.Millisecond), emDelay.Round(time.Millisecond)))
	t.Logf("broker return: retries %g, reconnects %g, 'broker unreachable' log lines %d",
		m.get("radiogw_sink_retries_total", `sink="mqtt"`), m.get("radiogw_sink_reconnects_total", `sink="mqtt"`),
		strings.Count(p.Output(), "broker unreachable"))
}

func TestFaultSmokeBrokerReturn(t *testing.T) { faultBrokerReturn(t, 4*time.Second, 10) }

// Every labelled counter an alert watches exists at zero from the start,
// so increase() sees the first rejected reload or the first drop.
func TestCountersAtZeroFromStart(t *testing.T) {
	s := newSite(t)
	s.write(t)
	s.start(t)
	m := scrape(t, s.httpPort)
	for _, series := range []string{
		`radiogw_reloads_total{result="rejected"}`,
		`radiogw_reloads_total{result="applied"}`,
		`radiogw_drops_total{reason="write_error",stage="sink_mqtt"}`,
		`radiogw_drops_total{reason="write_error",stage="sink_influx"}`,
		`radiogw_drops_total{reason="event_overflow",stage="sink_mqtt"}`,
		`radiogw_drops_total{reason="position_coalesced",stage="inbox"}`,
		`radiogw_drops_total{reason="event_over_cap",stage="inbox"}`,
		`radiogw_drops_total{reason="write_error",stage="snapshot"}`,
		`radiogw_drops_total{reason="write_error",stage="journal"}`,
		`radiogw_drops_total{reason="older_than_retained_unit",stage="sink_mqtt"}`,
		`radiogw_outbox_dropped_total{reason="write_error",sink="mqtt"}`,
		`radiogw_outbox_dropped_total{reason="disk_full_position",sink="influx"}`,
		`radiogw_outbox_dropped_total{reason="cap_event",sink="influx"}`,
		`radiogw_outbox_write_failing{sink="mqtt"}`,
		`radiogw_sink_not_durable_total{sink="mqtt"}`,
		`radiogw_sink_retries_total{sink="mqtt"}`,
		`radiogw_sink_failures_total{reason="timeout",sink="mqtt"}`,
		`radiogw_commands_total{result="unauthorized",via="http"}`,
		`radiogw_decode_errors_total{reason="checksum",source="avl"}`,
		`radiogw_source_events_total{event="shutdown_drop",source="avl"}`,
	} {
		if v, ok := m[series]; !ok || v != 0 {
			t.Errorf("%s = %v (present %v), want present at 0", series, v, ok)
		}
	}
}
