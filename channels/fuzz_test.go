package channels

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzApply drives the tracker with arbitrary event sequences and checks the
// invariants dispatchers rely on.
func FuzzApply(f *testing.F) {
	f.Add([]byte{1, 0, 1, 2, 0, 1, 3, 1, 2, 8, 0, 0, 9, 0, 0})
	f.Add([]byte{3, 0, 1, 3, 0, 1, 4, 0, 1, 3, 0, 1, 5, 1, 1})
	f.Add([]byte{8, 1, 0, 1, 1, 3, 2, 1, 3, 9, 1, 0, 6, 0, 2})
	f.Fuzz(func(t *testing.T, script []byte) {
		tr := NewTracker(testConfig())
		names := []string{"disp", "tac2", "", "nowhere"}
		radios := []string{"1201", "1305", "", "2A12"}
		now := t0
		for i := 0; i+2 < len(script); i += 3 {
			now = now.Add(time.Duration(script[i+2]) * 100 * time.Millisecond)
			e := Event{Kind: EventKind(script[i] % 11), Channel: names[script[i+1]%4],
				RadioID: radios[(script[i+1]>>2)%4], Status: string(rune('0' + script[i+2]%10)), Time: now}
			if chs := tr.Apply(e); e.Kind == Emergency && len(chs) == 0 {
				t.Fatalf("emergency swallowed: %+v", e)
			}
			if script[i+2]%7 == 0 {
				tr.Expire(now)
			}
			if script[i+2]%13 == 0 {
				if ems := tr.Emergencies(); len(ems) > 0 {
					if _, err := tr.Clear(ems[0].ID, "d", now); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, c := range tr.Channels() {
				if c.Talker != "" && !c.Busy {
					t.Fatalf("talker on an idle channel: %+v", c)
				}
				if c.AirtimeHour < 0 || c.AirtimeHour > time.Hour {
					t.Fatalf("airtime %v", c.AirtimeHour)
				}
			}
			seen := map[string]bool{}
			for _, em := range tr.Emergencies() {
				if seen[em.RadioID] {
					t.Fatalf("two active emergencies for %q", em.RadioID)
				}
				seen[em.RadioID] = true
			}
		}
		// A snapshot always restores into an equal tracker.
		tr2 := restored(t, tr)
		if a, b := tr.Emergencies(), tr2.Emergencies(); len(a) != len(b) {
			t.Fatalf("emergencies %d != %d after restore", len(a), len(b))
		}
	})
}

// FuzzRestore feeds arbitrary snapshot JSON: Restore either refuses it or
// leaves a tracker that still raises emergencies.
func FuzzRestore(f *testing.F) {
	tr := NewTracker(testConfig())
	tr.Apply(Event{Kind: PTTStart, Channel: "disp", RadioID: "1201", Time: t0})
	tr.Apply(Event{Kind: Emergency, Channel: "tac2", RadioID: "1305", Time: t0})
	raw, _ := json.Marshal(tr.Snapshot())
	f.Add(raw)
	f.Add([]byte(`{"version":1,"emergencies":[{"id":"e-1-1","radio_id":"1"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Snapshot
		if json.Unmarshal(data, &s) != nil {
			return
		}
		tr := NewTracker(testConfig())
		if tr.Restore(s) != nil {
			return
		}
		before := len(tr.Emergencies())
		if len(tr.Apply(Event{Kind: Emergency, Channel: "disp", RadioID: "fuzz-radio", Time: t0})) == 0 {
			t.Fatal("emergency swallowed after restore")
		}
		if len(tr.Emergencies()) < before {
			t.Fatal("restored emergencies lost")
		}
		tr.Expire(t0.Add(time.Hour))
		tr.Channels()
	})
}
