//go:build ha

package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

// The active/standby pair of docs/SCALING.md, built for real: two radiogw
// hosts with keepalived (VRRP) moving a virtual IP between them, mosquitto
// on a third host, modems (the test) reporting to the VIP. The active is
// killed with kill -9, then (after fail-back) its cable is pulled. Measured
// from the fault: the VIP's move and the first fresh state on the wall;
// counted: datagrams lost in the gap, states older than one already shown,
// emergencies lost.
func TestHAPairTakeover(t *testing.T) {
	lab := testsvc.NewLab(t)
	infra := lab.AddHost("m")
	gw1, gw2 := lab.AddHost("g1"), lab.AddHost("g2")
	vip := lab.Addr(100)
	startBroker(t, infra, "")

	wall := newHAWall(t, infra.IP+":1883")
	p1 := startPairMember(t, gw1, infra.IP, vip, "gw1", 150)
	startPairMember(t, gw2, infra.IP, vip, "gw2", 100)
	waitVIP(t, gw1, vip, 20*time.Second)

	modems := newFleet(t, vip, 20)
	modems.run(200 * time.Millisecond)
	wall.waitFresh(t, modems, 20*time.Second)
	// An emergency raised on the active before the fault must survive it,
	// unacknowledged.
	modems.console("E1201")
	wall.waitEmergency(t, 10*time.Second)

	// kill -9 of the active.
	r := measureTakeover(t, "kill -9", modems, wall, gw2, vip, func() { p1.kill9() })
	t.Log(r)

	// Fail back: gw1 returns, takes the VIP back (higher priority), and the
	// wall stays fresh and never goes back in time.
	p1 = startPairMember(t, gw1, infra.IP, vip, "gw1", 150)
	waitVIP(t, gw1, vip, 30*time.Second)
	wall.waitFresh(t, modems, 10*time.Second)

	// Pull the active's cable.
	r = measureTakeover(t, "link pulled", modems, wall, gw2, vip, func() { gw1.LinkDown() })
	t.Log(r)
	gw1.LinkUp()

	modems.stop()
	if n := wall.regressions(); n != 0 {
		t.Errorf("%d unit states older than one the wall had already shown", n)
	}
	if !wall.emergencyOpen() {
		t.Errorf("the unacknowledged emergency did not survive the takeovers: %s", wall.last("units/2A12"))
	}
	// The failed actives' last wills said "offline" after the takeovers; the
	// wall must show the site online.
	if got := wall.last("status"); got != "online" {
		t.Errorf("status = %q after the takeovers, want online", got)
	}
	// The emergency raised on the first active is acknowledged on the
	// second: exactly one acknowledgement, and the unit shows who.
	var em struct {
		Emergency struct{ ID string } `json:"emergency"`
	}
	json.Unmarshal([]byte(wall.last("units/2A12")), &em)
	mqttPublish(t, infra.IP+":1883", "radiogw/pair/commands/emergency_ack", []byte(fmt.Sprintf(`{"id":%q,"by":"disp4"}`, em.Emergency.ID)))
	wall.sub.waitTopic(t, "radiogw/pair/units/2A12", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"acked_by":"disp4"`)
	})
	time.Sleep(time.Second)
	if n := len(wall.sub.eventsOn("radiogw/pair/events/emergency_ack")); n != 1 {
		t.Errorf("%d emergency_ack events after one acknowledgement on the new active, want 1", n)
	}
}

type takeover struct {
	fault               string
	vipMoved, firstNew  time.Duration
	sent, lostInGap     int
	regressions         int
	emergencyStillThere bool
}

func (r takeover) String() string {
	return fmt.Sprintf("HA-PAIR fault=%q vip_moved_after=%s first_fresh_state_after=%s datagrams_sent=%d lost_in_gap=%d regressions=%d emergency_kept=%v",
		r.fault, r.vipMoved.Round(10*time.Millisecond), r.firstNew.Round(10*time.Millisecond), r.sent, r.lostInGap, r.regressions, r.emergencyStillThere)
}

func measureTakeover(t *testing.T, fault string, modems *fleet, wall *haWall, standby *testsvc.Host, vip string, do func()) takeover {
	t.Helper()
	wall.waitFresh(t, modems, 10*time.Second)
	before := modems.sentCount()
	at := time.Now()
	do()
	r := takeover{fault: fault}
	r.vipMoved = waitVIP(t, standby, vip, 15*time.Second).Sub(at)
	// The first state on the wall made from a datagram sent after the fault.
	seq := modems.seqAt(at)
	r.firstNew = wall.waitSeqAfter(t, seq, 20*time.Second).Sub(at)
	time.Sleep(2 * time.Second)
	r.sent = modems.sentCount() - before
	r.lostInGap = wall.missingSeqs(seq, modems.seqAt(time.Now().Add(-time.Second)))
	r.regressions = wall.regressions()
	r.emergencyStillThere = wall.emergencyOpen()
	if r.firstNew > 3*time.Second {
		t.Errorf("%s: the first fresh state reached the wall %s after the fault; target under 3 s", fault, r.firstNew)
	}
	if r.regressions != 0 {
		t.Errorf("%s: %d states older than one already shown", fault, r.regressions)
	}
	if !r.emergencyStillThere {
		t.Errorf("%s: the open emergency is gone from the wall: %s", fault, wall.last("units/2A12"))
	}
	return r
}

// pairMember is one radiogw with its keepalived, in one lab host.
type pairMember struct {
	radiogw, keepalived *testsvc.Process
}

func (p *pairMember) kill9() {
	p.radiogw.Cmd.Process.Kill()
	p.keepalived.Cmd.Process.Kill()
}

func startPairMember(t *testing.T, h *testsvc.Host, broker, vip, name string, priority int) *pairMember {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "radiogw-ha-"+h.Name)
	os.MkdirAll(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	config := filepath.Join(dir, "radiogw.hcl")
	body := fmt.Sprintf(`site = "pair"

storage {
  dir            = %q
  snapshot_every = "2s"
}

http {
  listen = "127.0.0.1:8080"
}

mqtt {
  broker    = "tcp://%s:1883"
  client_id = "radiogw-pair-%s"
  keepalive = "5s"
  unit_rate = 20
}

ha {
  role = "standby"
}

%s`, filepath.Join(dir, "data"), broker, name, haSources(vip, "4500"))
	if err := os.WriteFile(config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	rg := h.Start(t, nil, binary, "run", "-config", config)
	rg.WaitOutput(t, "radiogw running", 30*time.Second)

	kbin := testsvc.LookPath(t, "keepalived", "apt-get install keepalived")
	kconf := filepath.Join(dir, "keepalived.conf")
	notify := filepath.Join(dir, "notify.sh")
	if err := os.WriteFile(notify, []byte(fmt.Sprintf(keepalivedNotify, binary)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kconf, []byte(fmt.Sprintf(keepalivedConf, priority, vip, notify)), 0o644); err != nil {
		t.Fatal(err)
	}
	ka := h.Start(t, nil, kbin, "--dont-fork", "--log-console", "--vrrp", "-f", kconf,
		"-p", filepath.Join(dir, "keepalived.pid"), "-r", filepath.Join(dir, "vrrp.pid"))
	return &pairMember{radiogw: rg, keepalived: ka}
}

// keepalivedConf is the VRRP instance docs/SCALING.md documents: VRRPv3 with
// 200 ms adverts, so a backup declares the master dead within about 0.8 s.
const keepalivedConf = `global_defs {
  vrrp_version 3
  script_user root
  enable_script_security
  vrrp_garp_master_refresh 1
}

vrrp_instance radiogw {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority %d
  advert_int 0.2
  virtual_ipaddress {
    %s/24 dev eth0
  }
  notify %s
}
`

// keepalivedNotify is the notify script: keepalived passes the state as $3.
const keepalivedNotify = `#!/bin/sh
case "$3" in
  MASTER) exec %[1]s role active ;;
  *)      exec %[1]s role standby ;;
esac
`

// waitVIP waits until the host holds the address and returns when it did.
func waitVIP(t *testing.T, h *testsvc.Host, vip string, within time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		out, _ := h.Run("ip", "-4", "-o", "addr", "show", "dev", "eth0")
		if strings.Contains(out, " "+vip+"/") {
			return time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not get the virtual IP %s within %s", h.Name, vip, within)
	return time.Time{}
}

// fleet is n modems reporting to the VIP every period, each fix carrying a
// sequence number in its latitude (33 + seq·1e-5) so the wall can tell new
// from old.
type fleet struct {
	t      *testing.T
	vip    string
	n      int
	mu     sync.Mutex
	seq    int
	sentAt []time.Time // sentAt[seq]
	done   chan struct{}
	wg     sync.WaitGroup
}

func newFleet(t *testing.T, vip string, n int) *fleet {
	return &fleet{t: t, vip: vip, n: n, done: make(chan struct{})}
}

func (f *fleet) run(period time.Duration) {
	conn, err := net.Dial("udp", f.vip+":5005")
	if err != nil {
		f.t.Fatal(err)
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer conn.Close()
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-f.done:
				return
			case <-tick.C:
			}
			f.mu.Lock()
			f.seq++
			seq := f.seq
			f.sentAt = append(f.sentAt, time.Now())
			f.mu.Unlock()
			for i := 0; i < f.n; i++ {
				conn.Write([]byte(rmc(fmt.Sprintf("%d", 4500+i), time.Now(), 33+float64(seq)*1e-5, -117.8-float64(i)*1e-3)))
			}
		}
	}()
}

func (f *fleet) stop() { close(f.done); f.wg.Wait() }

func (f *fleet) console(line string) {
	c, err := net.Dial("udp", f.vip+":5006")
	if err != nil {
		f.t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(line))
}

func (f *fleet) sentCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seq * f.n
}

// seqAt is the last sequence number sent before at.
func (f *fleet) seqAt(at time.Time) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := sort.Search(len(f.sentAt), func(i int) bool { return f.sentAt[i].After(at) })
	return i // sentAt[i-1] is seq i
}

// wall is a display on the broker: it remembers, per unit, every sequence
// number shown and whether a state ever went back.
type haWall struct {
	sub  *subscriber
	mu   sync.Mutex
	seen map[string]map[int]time.Time // unit → seq → first shown
	max  map[string]int
	back int
}

func newHAWall(t *testing.T, addr string) *haWall {
	w := &haWall{seen: map[string]map[int]time.Time{}, max: map[string]int{}}
	w.sub = subscribe(t, addr, "radiogw/pair/#")
	go w.follow()
	return w
}

func (w *haWall) follow() {
	for n := 0; ; n++ {
		w.sub.mu.Lock()
		msgs := w.sub.msgs[n:]
		if len(msgs) == 0 {
			w.sub.mu.Unlock()
			n--
			time.Sleep(5 * time.Millisecond)
			continue
		}
		m := msgs[0]
		w.sub.mu.Unlock()
		if !strings.HasPrefix(m.Topic(), "radiogw/pair/units/") {
			continue
		}
		var u unitState
		if json.Unmarshal(m.Payload(), &u) != nil || u.Position == nil {
			continue
		}
		seq := int((u.Position.Lat-33)*1e5 + 0.5)
		w.mu.Lock()
		if w.seen[u.Unit] == nil {
			w.seen[u.Unit] = map[int]time.Time{}
		}
		if _, ok := w.seen[u.Unit][seq]; !ok {
			w.seen[u.Unit][seq] = time.Now()
		}
		if seq < w.max[u.Unit] {
			w.back++
		} else {
			w.max[u.Unit] = seq
		}
		w.mu.Unlock()
	}
}

func (w *haWall) last(topic string) string {
	w.sub.mu.Lock()
	defer w.sub.mu.Unlock()
	return string(w.sub.last["radiogw/pair/"+topic])
}

func (w *haWall) regressions() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.back
}

func (w *haWall) emergencyOpen() bool {
	s := w.last("units/2A12")
	return strings.Contains(s, `"emergency":{`) && !strings.Contains(s, `"acked_by"`)
}

func (w *haWall) waitEmergency(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !w.emergencyOpen() {
		if time.Now().After(deadline) {
			t.Fatalf("no open emergency on the wall: %s", w.last("units/2A12"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFresh waits until every modem's latest fix is on the wall.
func (w *haWall) waitFresh(t *testing.T, f *fleet, within time.Duration) {
	t.Helper()
	w.waitSeqAfter(t, f.seqAt(time.Now()), within)
}

// waitSeqAfter waits until a state with a sequence number above seq is shown
// and returns when the first one was.
func (w *haWall) waitSeqAfter(t *testing.T, seq int, within time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		var first time.Time
		for _, seqs := range w.seen {
			for s, at := range seqs {
				if s > seq && (first.IsZero() || at.Before(first)) {
					first = at
				}
			}
		}
		w.mu.Unlock()
		if !first.IsZero() {
			return first
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no state newer than sequence %d reached the wall within %s", seq, within)
	return time.Time{}
}

// missingSeqs counts the (unit, sequence) pairs in (from, to] never shown.
// unit_rate coalesces, so only sequence numbers the pair never received
// can be missing for every unit at once: a gap counts once per datagram.
func (w *haWall) missingSeqs(from, to int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	missing := 0
	for s := from + 1; s <= to; s++ {
		for _, seqs := range w.seen {
			if _, ok := seqs[s]; !ok {
				missing++
			}
		}
	}
	return missing
}
