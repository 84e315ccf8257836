package channels

import (
	"fmt"
	"testing"
	"time"
)

func BenchmarkApplyPTT(b *testing.B) {
	cfg := testConfig()
	for i := 0; i < 50; i++ {
		cfg.Channels = append(cfg.Channels, ChannelConfig{Name: fmt.Sprintf("ch%02d", i), HangTime: time.Second})
	}
	tr := NewTracker(cfg)
	radios := []string{"1201", "1305", "1400", "2A12"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := Event{Kind: PTTStart, Channel: "tac2", RadioID: radios[i%len(radios)], Time: t0.Add(time.Duration(i) * time.Second)}
		if i%2 == 1 {
			e.Kind = PTTEnd
		}
		if len(tr.Apply(e)) == 0 {
			b.Fatal("no change")
		}
	}
}

func BenchmarkExpire(b *testing.B) {
	cfg := testConfig()
	for i := 0; i < 100; i++ {
		cfg.Channels = append(cfg.Channels, ChannelConfig{Name: fmt.Sprintf("ch%03d", i), HangTime: time.Second})
	}
	tr := NewTracker(cfg)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Expire(t0.Add(time.Duration(i) * time.Millisecond))
	}
}
