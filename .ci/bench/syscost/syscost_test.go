// Package syscost measures what a system call costs on the machine the
// benchmarks run on, apart from radiogw: a trivial call, a small loopback
// UDP send, a 1 KiB file append, and the same append with an fsync. On a
// virtual machine these can be several times a bare-metal figure, and
// radiogw's fixed cost per tracker step is mostly such calls
// (docs/BENCHMARKS.md). Run: cd .ci/bench && go test -bench . ./syscost
package syscost

import (
	"net"
	"os"
	"syscall"
	"testing"
)

func BenchmarkGetppid(b *testing.B) {
	for b.Loop() {
		syscall.Getppid()
	}
}

func BenchmarkUDPSend64(b *testing.B) {
	l, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	c, err := net.DialUDP("udp", nil, l.LocalAddr().(*net.UDPAddr))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	go func() { // keep the receive buffer from filling
		buf := make([]byte, 2048)
		for {
			if _, err := l.Read(buf); err != nil {
				return
			}
		}
	}()
	p := make([]byte, 64)
	for b.Loop() {
		if _, err := c.Write(p); err != nil {
			b.Fatal(err)
		}
	}
}

func appendFile(b *testing.B, sync bool) {
	f, err := os.CreateTemp(b.TempDir(), "append")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	p := make([]byte, 1024)
	for b.Loop() {
		if _, err := f.Write(p); err != nil {
			b.Fatal(err)
		}
		if sync {
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkAppend1KiB(b *testing.B)      { appendFile(b, false) }
func BenchmarkAppend1KiBFsync(b *testing.B) { appendFile(b, true) }
