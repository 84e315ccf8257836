package cap

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkEmergencyLifecycle builds an Alert, an Update and a Cancel for
// one emergency (the book in memory: Path ""), and renders the feed.
func BenchmarkEmergencyLifecycle(b *testing.B) {
	p, _ := New(Config{Sender: "dispatch@tustin.example.org", Site: "tustin", Fields: []string{FieldUnit, FieldChannel, FieldBy}}, Options{})
	evs := emergencyEvents()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		id := "e-1201-" + strconv.Itoa(i)
		for j := range evs {
			evs[j].Emergency = id
		}
		if n := len(p.Messages(evs, t0)); n != 4 {
			b.Fatalf("%d messages", n)
		}
	}
	if _, err := p.Feed(t0.Add(time.Minute)); err != nil {
		b.Fatal(err)
	}
}
