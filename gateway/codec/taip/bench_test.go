package taip

import (
	"syscall"
	"testing"
	"time"

	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

func benchDecode(b *testing.B, line string) {
	d, _ := New(decode.Options{Source: "airlink"})
	f := frame.Frame{Source: "airlink", Received: received, Data: []byte(line)}
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	start := cpuTime()
	for b.Loop() {
		obs, err := d.Decode(f)
		if err != nil || len(obs.Fixes) != 1 {
			b.Fatal(obs, err)
		}
	}
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

// cpuTime is the process's user+system CPU time. On a shared machine ns/op
// counts time spent waiting for a core; cpu-ns/op does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkDecodePV(b *testing.B) {
	benchDecode(b, ">RPV03874+3477708-0923453100029212;ID=0017;*71<\r\n")
}
func BenchmarkDecodeLN(b *testing.B) {
	benchDecode(b, ">RLN03874000+347770828-0923453071+000608270000+0000292309000000000000000000000000000000000000000000000012;ID=0017;*49<")
}
func BenchmarkDecodeRGP(b *testing.B) {
	benchDecode(b, ">RGP041120190000-3137454-064075520001883004D50;ID=8385;#IP0:0080;*19<")
}
