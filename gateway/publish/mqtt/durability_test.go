package mqtt

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	"radiogw/gateway/testsvc"
)

// persistentMosquitto keeps sessions and retained messages on disk, saved
// after every change, so a killed broker comes back with its subscribers'
// sessions (the subscriber below is a persistent session).
func persistentMosquitto(t *testing.T) (*testsvc.Mosquitto, string) {
	dir := sharedDir(t)
	return testsvc.StartMosquitto(t, testsvc.MosquittoOptions{Extra: fmt.Sprintf(
		"persistence true\npersistence_location %s/\nautosave_on_changes true\nautosave_interval 1\nmax_queued_messages 100000\n",
		filepath.Clean(dir))}), dir
}

// The broker is killed while events and unit updates flow, and restarted.
// The subscriber ends with every event, in order, no gaps (duplicates are
// allowed: delivery is at-least-once, de-duplicated by event ID), the final
// retained state of every unit, and the outbox is empty.
func TestBrokerCrashMidStream(t *testing.T) {
	m, dir := persistentMosquitto(t)
	sub := subscribeOpts(t, paho.NewClientOptions().AddBroker("tcp://"+m.Addr), root+"/#", "wallmap-persistent")
	waitFor(t, 5*time.Second, "the subscription saved to mosquitto.db", func() bool {
		_, err := os.Stat(filepath.Join(dir, "mosquitto.db"))
		return err == nil
	})
	// A long ack budget: publishes in flight when the broker dies must fail
	// with the connection, not hold the sink until the budget runs out.
	s := startSink(t, "tcp://"+m.Addr, "", func(o *Options) { o.WaitBudget = 5 * time.Minute })
	waitFor(t, 10*time.Second, "sink connected", s.client.IsConnectionOpen)

	const n = 400
	units := []string{"2A10", "2A11", "2A12", "2A13", "2A14"}
	final := map[string]int{}
	for i := 0; i < n; i++ {
		id := units[i%len(units)]
		if err := s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt(id, i))},
			Events: []change.Event{event(i)}}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		final[id] = i
		switch i {
		case 120:
			m.Stop()
		case 260:
			if s.pending(t) == 0 {
				t.Errorf("events written while the broker was down are not waiting in the outbox")
			}
			m.Restart()
		}
		time.Sleep(5 * time.Millisecond)
	}

	// On a timeout, say where the events are: still in the outbox, or
	// sent to a subscriber that is not there (this wait has failed once in
	// a full make test, and passes alone).
	waitForOr(t, 30*time.Second, "every event at the subscriber", func() bool {
		_, unique := eventIDs(t, sub.snapshot())
		return len(unique) >= n
	}, func() string {
		_, unique := eventIDs(t, sub.snapshot())
		return fmt.Sprintf("the subscriber has %d of %d events; %d wait in the outbox; connected: sink %v, its state link %v, subscriber %v; the sink's metrics: %s",
			len(unique), n, s.pending(t), s.client.IsConnectionOpen(), s.link.sess.Connected(), sub.c.IsConnectionOpen(), s.metrics)
	})
	all, unique := eventIDs(t, sub.snapshot())
	for i, id := range unique {
		if want := event(i).ID; id != want {
			t.Fatalf("event %d after de-duplication is %s, want %s (order broken or gap)", i, id, want)
		}
	}
	t.Logf("%d events, %d deliveries (re-sent after the crash)", len(unique), len(all))

	for _, id := range units {
		topic := root + "/units/" + id
		waitFor(t, 10*time.Second, "final state of "+id, func() bool {
			b := sub.lastOn(topic)
			return b != nil && seqOf(t, b) == final[id]
		})
	}
	waitFor(t, 10*time.Second, "outbox drained", func() bool { return s.pending(t) == 0 })

	// A display that connects now gets the final state from the broker.
	fresh := subscribe(t, m.Addr, root+"/units/#")
	for _, id := range units {
		topic := root + "/units/" + id
		waitFor(t, 10*time.Second, "retained "+id, func() bool { return fresh.lastOn(topic) != nil })
		if got := seqOf(t, fresh.lastOn(topic)); got != final[id] {
			t.Errorf("retained %s is fix %d, want %d", id, got, final[id])
		}
	}
	// Nothing stale arrives later (no replay of an older retained state).
	time.Sleep(time.Second)
	for _, id := range units {
		if got := seqOf(t, sub.lastOn(root+"/units/"+id)); got != final[id] {
			t.Errorf("%s went back to fix %d after the final %d", id, got, final[id])
		}
	}
}

// Events written while no broker is reachable wait in the outbox, are not
// acknowledged by failed publishes, and are delivered in order once a broker
// appears; retained state written meanwhile is published too.
func TestEventsWaitForBroker(t *testing.T) {
	port := testsvc.FreePort(t)
	s := startSink(t, fmt.Sprintf("tcp://127.0.0.1:%d", port), "", nil)
	for i := 0; i < 50; i++ {
		if err := s.Write(change.Batch{Events: []change.Event{event(i)}, Units: []avl.Change{unitChange(unitAt("2A12", i))}}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1500 * time.Millisecond) // at least one failed connect and round
	if got := s.pending(t); got != 50 {
		t.Fatalf("outbox holds %d events while the broker is down, want 50", got)
	}
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{Port: port})
	sub := subscribe(t, m.Addr, root+"/#")
	waitFor(t, 45*time.Second, "outbox drained", func() bool { return s.pending(t) == 0 })
	sub.c.Disconnect(0)
	// The subscriber may have connected after some events went out; what it
	// saw must still be in order, and the retained state is the last fix.
	_, unique := eventIDs(t, sub.snapshot())
	if !sort.StringsAreSorted(unique) {
		t.Errorf("events out of order: %v", unique)
	}
	fresh := subscribe(t, m.Addr, root+"/units/#")
	waitFor(t, 10*time.Second, "retained final state", func() bool {
		b := fresh.lastOn(root + "/units/2A12")
		return b != nil && seqOf(t, b) == 49
	})
}

// A broker that restarts empty (no persistence) gets every retained topic
// again from the sink without any new input: status, units, channels, map.
func TestRepublishAfterEmptyRestart(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	s := startSink(t, "tcp://"+m.Addr, "", func(o *Options) { o.OwnTracks = true })
	waitFor(t, 10*time.Second, "sink connected", s.client.IsConnectionOpen)
	s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A12", 5)), unitChange(unitAt("2A13", 6))},
		Channels: []channels.Change{{Kind: channels.ChannelUpdated, Channel: channels.ChannelState{Name: "tac2", Busy: true, Talker: "1201"}}}})
	first := subscribe(t, m.Addr, "#")
	waitFor(t, 10*time.Second, "state published", func() bool { return first.lastOn(root+"/map") != nil })
	first.c.Disconnect(0)

	m.Restart()
	sub := subscribe(t, m.Addr, "#")
	for _, topic := range []string{root + "/status", root + "/units/2A12", root + "/units/2A13", root + "/channels/tac2",
		root + "/map", "owntracks/test/2A12"} {
		waitFor(t, 30*time.Second, "republished "+topic, func() bool { return sub.lastOn(topic) != nil })
	}
	if got := string(sub.lastOn(root + "/status")); got != "online" {
		t.Errorf("status = %q after reconnect", got)
	}
	if got := seqOf(t, sub.lastOn(root+"/units/2A12")); got != 5 {
		t.Errorf("2A12 republished as fix %d, want 5", got)
	}
}

// After an outage, a unit's emergency state does not wait until the whole
// event backlog has drained: state goes out between event batches.
func TestEmergencyStateNotBehindBacklog(t *testing.T) {
	port := testsvc.FreePort(t)
	s := startSink(t, fmt.Sprintf("tcp://127.0.0.1:%d", port), "", nil)
	// Not running while the backlog builds and the display subscribes: the
	// sink reconnects within a probe of the broker's return, before a
	// subscriber started after the broker could be there.
	s.halt()
	const backlog = 5000
	events := make([]change.Event, backlog)
	for i := range events {
		events[i] = event(i)
	}
	alarm := unitAt("2A12", 1)
	alarm.Emergency = &avl.Emergency{ID: "e-1201-1", Since: t0}
	if err := s.Write(change.Batch{Events: events, Units: []avl.Change{unitChange(alarm)}}); err != nil {
		t.Fatal(err)
	}
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{Port: port, Extra: "max_queued_messages 0\n"})
	sub := subscribe(t, m.Addr, root+"/#")
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { defer close(ran); s.Sink.Run(ctx) }()
	defer func() { cancel(); <-ran }()
	waitFor(t, 60*time.Second, "backlog drained", func() bool { return s.pending(t) == 0 })
	waitFor(t, 10*time.Second, "last event", func() bool {
		_, unique := eventIDs(t, sub.snapshot())
		return len(unique) > 0 && unique[len(unique)-1] == event(backlog-1).ID
	})
	if _, unique := eventIDs(t, sub.snapshot()); unique[0] != event(0).ID {
		t.Fatalf("the display subscribed after the drain began (first event %s); the test proves nothing", unique[0])
	}
	unitAt, lastEventAt := -1, -1
	for i, msg := range sub.snapshot() {
		switch msg.topic {
		case root + "/units/2A12":
			if unitAt < 0 {
				unitAt = i
			}
		case root + "/events/ptt_start":
			lastEventAt = i
		}
	}
	if unitAt < 0 || unitAt > lastEventAt {
		t.Errorf("emergency state arrived as message %d, after the last of %d backlog events (%d)", unitAt, backlog, lastEventAt)
	}
}

// A unit forgotten while the broker is down (dropped from the roster on a
// reload) is deleted at the broker once it is back, and leaves the map, even
// though the broker kept its retained state on disk.
func TestForgetDuringOutage(t *testing.T) {
	m, dir := persistentMosquitto(t)
	s := startSink(t, "tcp://"+m.Addr, "", nil)
	s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A12", 1)), unitChange(unitAt("2A13", 2))}})
	first := subscribe(t, m.Addr, root+"/#")
	waitFor(t, 10*time.Second, "both units on the map", func() bool {
		return strings.Contains(string(first.lastOn(root+"/map")), `"2A13"`) && first.lastOn(root+"/units/2A12") != nil
	})
	time.Sleep(300 * time.Millisecond) // saved by autosave_on_changes
	first.c.Disconnect(0)

	m.Stop()
	if _, err := os.Stat(filepath.Join(dir, "mosquitto.db")); err != nil {
		t.Fatalf("mosquitto saved nothing: %v", err)
	}
	s.Forget("2A12")
	time.Sleep(500 * time.Millisecond)
	m.Restart()
	sub := subscribe(t, m.Addr, root+"/#")
	waitFor(t, 30*time.Second, "map without 2A12", func() bool {
		b := string(sub.lastOn(root + "/map"))
		return strings.Contains(b, `"2A13"`) && !strings.Contains(b, `"2A12"`)
	})
	waitFor(t, 10*time.Second, "2A12 deleted", func() bool {
		b := sub.lastOn(root + "/units/2A12")
		return b == nil || len(b) == 0
	})
	fresh := subscribe(t, m.Addr, root+"/units/#")
	waitFor(t, 10*time.Second, "2A13 retained", func() bool { return fresh.lastOn(root+"/units/2A13") != nil })
	if b := fresh.lastOn(root + "/units/2A12"); b != nil {
		t.Errorf("forgotten unit still retained: %s", b)
	}
}
