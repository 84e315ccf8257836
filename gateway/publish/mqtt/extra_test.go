package mqtt

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"radiogw/gateway/change"
	"radiogw/gateway/testsvc"
)

// Extras ride the events' outbox in order, on their own topics, retained
// when asked; an empty retained extra deletes the retained message; an
// extra whose topic could not be a topic is refused and reported, never
// sent.
func TestExtrasFollowTheirEvents(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	sub := subscribe(t, m.Addr, root+"/#")
	var mu sync.Mutex
	results := map[string][]bool{}
	s := startSink(t, m.Addr, "", func(o *Options) {
		o.Extra = func(evs []change.Event) []Extra {
			var out []Extra
			for _, e := range evs {
				switch e.Kind {
				case "emergency":
					out = append(out, Extra{Topic: "cap/e-1", Payload: []byte("<alert/>"), Retain: true, Label: "Alert"},
						Extra{Topic: "cap/a+b", Payload: []byte("x"), Label: "Bad"})
				case "emergency_clear":
					out = append(out, Extra{Topic: "cap/e-1", Payload: []byte("<cancel/>"), Label: "Cancel"},
						Extra{Topic: "cap/e-1", Retain: true, Label: ""})
				}
			}
			return out
		}
		o.OnExtra = func(label string, ok bool) {
			mu.Lock()
			results[label] = append(results[label], ok)
			mu.Unlock()
		}
	})
	s.Write(change.Batch{Events: []change.Event{{ID: "1", Kind: "emergency", Time: time.Now()}}})
	waitFor(t, 10*time.Second, "the alert", func() bool { return string(sub.lastOn(root+"/cap/e-1")) == "<alert/>" })

	late := subscribe(t, m.Addr, root+"/cap/#")
	waitFor(t, 10*time.Second, "the retained alert", func() bool { return string(late.lastOn(root+"/cap/e-1")) == "<alert/>" })

	s.Write(change.Batch{Events: []change.Event{{ID: "2", Kind: "emergency_clear", Time: time.Now()}}})
	waitFor(t, 10*time.Second, "the delete", func() bool {
		b := sub.lastOn(root + "/cap/e-1")
		return b != nil && len(b) == 0
	})
	var order []string
	for _, msg := range sub.snapshot() {
		switch {
		case strings.HasPrefix(msg.topic, root+"/events/"):
			order = append(order, msg.topic)
		case strings.HasPrefix(msg.topic, root+"/cap/"):
			order = append(order, msg.topic+"="+string(msg.payload))
		}
	}
	want := []string{root + "/events/emergency", root + "/cap/e-1=<alert/>", root + "/events/emergency_clear",
		root + "/cap/e-1=<cancel/>", root + "/cap/e-1="}
	if !slices.Equal(order, want) {
		t.Errorf("order %q, want %q (the refused extra never goes out)", order, want)
	}
	fresh := subscribe(t, m.Addr, root+"/cap/#")
	time.Sleep(500 * time.Millisecond)
	if len(fresh.snapshot()) != 0 {
		t.Errorf("a deleted retained alert still reaches a new subscriber: %v", fresh.snapshot())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(results["Alert"]) != 1 || !results["Alert"][0] || len(results["Bad"]) != 1 || results["Bad"][0] ||
		len(results["Cancel"]) != 1 || len(results[""]) != 1 {
		t.Errorf("OnExtra: %v", results)
	}
}
