package source

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"radiogw/gateway/frame"
)

// realLines are NMEA sentences from a real receiver log, the typical frame.
func realLines(b *testing.B) []string {
	raw, err := os.ReadFile(dataDir + "/nmea/gpsd/ublox-lea-5q.log")
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	for l := range strings.SplitSeq(string(raw), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "$") {
			out = append(out, l)
		}
	}
	return out
}

// cycleReader repeats block until n bytes have been read.
type cycleReader struct {
	block []byte
	off   int
	left  int
}

func (c *cycleReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.left)], c.block[c.off:])
	c.off = (c.off + n) % len(c.block)
	c.left -= n
	return n, nil
}

func benchSplit(b *testing.B, framing string, wrap func(string) []byte) {
	lines := realLines(b)
	var block []byte
	for _, l := range lines {
		block = append(block, wrap(l)...)
	}
	per := len(block) / len(lines)
	sf, err := Splitter(framing, 256, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(per))
	b.ReportAllocs()
	frames := 0
	b.ResetTimer()
	err = ReadFrames(&cycleReader{block: block, left: b.N * per}, sf, 256, func([]byte, time.Time) { frames++ }, nil)
	if err != io.EOF {
		b.Fatal(err)
	}
	b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
}

func BenchmarkSplitLine(b *testing.B) {
	benchSplit(b, FramingLine, func(l string) []byte { return []byte(l + "\r\n") })
}

func BenchmarkSplitSTXETX(b *testing.B) {
	benchSplit(b, FramingSTXETX, func(l string) []byte { return []byte("\x02" + l + "\x03") })
}

func BenchmarkSplitTAIP(b *testing.B) {
	benchSplit(b, FramingTAIP, func(l string) []byte { return []byte(">" + l + "<") })
}

func BenchmarkSplitLength(b *testing.B) {
	benchSplit(b, FramingLength, func(l string) []byte { return lengthFrames(l) })
}

// counting runs src with an Emit that only counts, and returns a wait
// function for n frames.
func counting(b *testing.B, src Source) (got *atomic.Int64, up chan struct{}) {
	got = new(atomic.Int64)
	up = make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		src.Run(ctx, Hooks{
			Emit: func(frame.Frame) { got.Add(1) },
			Up: func(peer string) {
				select {
				case up <- struct{}{}:
				default:
				}
			},
		})
	}()
	b.Cleanup(func() { cancel(); <-done })
	select {
	case <-up:
	case <-time.After(5 * time.Second):
		b.Fatal("source never came up")
	}
	return got, up
}

func waitCount(b *testing.B, got *atomic.Int64, n int64) {
	deadline := time.Now().Add(30 * time.Second)
	for got.Load() < n {
		if time.Now().After(deadline) {
			b.Fatalf("received %d of %d frames", got.Load(), n)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// streamBench writes exactly b.N real NMEA lines into w and waits for every
// frame, so B/op and allocs/op are per frame.
func streamBench(b *testing.B, got *atomic.Int64, w io.Writer) {
	lines := realLines(b)
	var block []byte
	var ends []int // ends[k]: end of line k in block
	for _, l := range lines {
		block = append(block, l+"\r\n"...)
		ends = append(ends, len(block))
	}
	b.SetBytes(int64(len(block) / len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	for left := b.N; left > 0; left -= len(lines) {
		chunk := block
		if left < len(lines) {
			chunk = block[:ends[left-1]]
		}
		if _, err := w.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	waitCount(b, got, int64(b.N))
	b.ReportMetric(float64(got.Load())/b.Elapsed().Seconds(), "frames/s")
}

func BenchmarkTCPListener(b *testing.B) {
	src, err := New(Config{Type: TypeTCPListen, Name: "bench", Listen: "127.0.0.1:0", MaxFrame: 256})
	if err != nil {
		b.Fatal(err)
	}
	got, _ := counting(b, src)
	c, err := net.Dial("tcp", src.(*tcpListener).Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	streamBench(b, got, c)
}

func BenchmarkTCPClient(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	src, err := New(Config{Type: TypeTCPClient, Name: "bench", Address: ln.Addr().String(), MaxFrame: 256})
	if err != nil {
		b.Fatal(err)
	}
	got, _ := counting(b, src)
	c, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	streamBench(b, got, c)
}

// BenchmarkUDP sends real NMEA sentences from one sender; allocs/op and
// B/op are the receiving side's per datagram (the sender's bytes are built
// beforehand), cpu-ns/op includes the sender, in the same process.
func BenchmarkUDP(b *testing.B) { benchUDP(b, 1) }

// BenchmarkUDPManyPeers spreads the same load over 256 senders on four
// addresses, as a fleet of modems sends it.
func BenchmarkUDPManyPeers(b *testing.B) { benchUDP(b, 256) }

func benchUDP(b *testing.B, peers int) {
	src, err := New(Config{Type: TypeUDP, Name: "bench", Listen: "127.0.0.1:0", MaxFrame: 512})
	if err != nil {
		b.Fatal(err)
	}
	got, _ := counting(b, src)
	to := src.(*udpSource).Addr().(*net.UDPAddr)
	senders := udpSenders(b, peers, to)
	lines := realLineBytes(b)
	b.SetBytes(int64(len(lines[0])))
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	// Send in batches the receiver can absorb, so the figure is the
	// source's rate and not the kernel's drops.
	const batch = 64
	sent := 0
	for sent < b.N {
		n := min(batch, b.N-sent)
		for i := range n {
			k := sent + i
			if _, err := senders[k%len(senders)].Write(lines[k%len(lines)]); err != nil {
				b.Fatal(err)
			}
		}
		sent += n
		deadline := time.Now().Add(100 * time.Millisecond)
		for got.Load() < int64(sent) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Microsecond)
		}
	}
	b.ReportMetric(float64(got.Load())/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(float64(int64(b.N)-got.Load()), "lost")
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkSerialPTY(b *testing.B) {
	link := byIDLink(b)
	a := plug(b, link)
	src, err := New(Config{Type: TypeSerial, Name: "bench", Device: link, MaxFrame: 256})
	if err != nil {
		b.Fatal(err)
	}
	got, _ := counting(b, src)
	streamBench(b, got, a.master)
}

// udpSenders dials n UDP sockets to to, spread over four loopback source
// addresses so the receiver sees n distinct peers.
func udpSenders(b *testing.B, n int, to *net.UDPAddr) []*net.UDPConn {
	b.Helper()
	var senders []*net.UDPConn
	for i := range n {
		c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, byte(1+i%4))}, to)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		senders = append(senders, c)
	}
	return senders
}

// realLineBytes is realLines as byte slices, ready to send.
func realLineBytes(b *testing.B) [][]byte {
	var lines [][]byte
	for _, l := range realLines(b) {
		lines = append(lines, []byte(l))
	}
	return lines
}
