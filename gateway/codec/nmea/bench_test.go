package nmea

import (
	"syscall"
	"testing"
	"time"

	nmea "github.com/adrianmo/go-nmea"

	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

const (
	benchRMC = "$GPRMC,102128.000,A,5129.0623,N,00632.2910,E,0.23,30.68,210211,,,A*5E\r\n"
	benchGGA = "$GPGGA,102129.000,5129.0620,N,00632.2906,E,1,4,1.31,29.7,M,47.4,M,,*68\r\n"
)

func benchDecode(b *testing.B, line string) {
	d, _ := New(decode.Options{Source: "gps"})
	f := frame.Frame{Source: "gps", Received: received, Data: []byte(line)}
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	start := cpuTime()
	for b.Loop() {
		obs, err := d.Decode(f)
		if err != nil || len(obs.Fixes) != 1 {
			b.Fatal(obs, err)
		}
	}
	reportCPU(b, start)
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

func reportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkDecodeRMC(b *testing.B) { benchDecode(b, benchRMC) }
func BenchmarkDecodeGGA(b *testing.B) { benchDecode(b, benchGGA) }

// BenchmarkDecodeRMCModemID is the sentence as the AVL modems send it over
// UDP: the device ID string is the second allocation.
func BenchmarkDecodeRMCModemID(b *testing.B) { benchDecode(b, "B000123,"+benchRMC) }

// BenchmarkDecodeRMCGoNMEA and BenchmarkDecodeGGAGoNMEA run the go-nmea
// path the fast path falls back to, for comparison on the same machine.
func BenchmarkDecodeRMCGoNMEA(b *testing.B) { benchGoNMEA(b, benchRMC) }
func BenchmarkDecodeGGAGoNMEA(b *testing.B) { benchGoNMEA(b, benchGGA) }

func benchGoNMEA(b *testing.B, line string) {
	d := &decoder{parser: newSentenceParser(false)}
	f := frame.Frame{Source: "gps", Received: received, Data: []byte(line)}
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		obs, err := d.decodeGoNMEA(f)
		if err != nil || len(obs.Fixes) != 1 {
			b.Fatal(obs, err)
		}
	}
	reportCPU(b, start)
}

// BenchmarkGoNMEAParseRMC measures go-nmea alone on the same sentence, to
// show how much of BenchmarkDecodeRMC is the library.
func BenchmarkGoNMEAParseRMC(b *testing.B) {
	p := newSentenceParser(false)
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := p.Parse(benchRMC); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// BenchmarkGoNMEALatLong measures go-nmea's coordinate parser alone (it
// tries degrees-minutes-seconds before ddmm.mmmm, with fmt.Sprintf between).
func BenchmarkGoNMEALatLong(b *testing.B) {
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := nmea.ParseLatLong("5129.0623 N"); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}
