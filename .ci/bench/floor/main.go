// Command floor measures the least CPU a gateway's paced cycle can cost on
// this machine, apart from any gateway: every gap, read the datagrams that
// came (one recvmmsg), append them to a journal (no fsync) and an outbox
// (write and fsync), write one batch of MQTT-sized bytes to a TCP peer and
// read its acknowledgement. No decoding, no tracker, no encoding: only the
// system calls and wake-ups radiogw's tracker step makes at the least.
//
// A child process (the same binary, -peer) sends the datagrams at -rate and
// acknowledges the TCP writes, so its CPU is not counted. The parent reports
// its own CPU (/proc/self/stat, every thread of it) per second and per 1,000
// datagrams, after a warm-up.
//
// -mode one: one goroutine does the whole cycle.
// -mode blocking: one goroutine, as "one", that never parks in Go's
// scheduler: it sleeps out the gap and reads the acknowledgement in blocking
// system calls, as a C program would.
// -mode handoff: the cycle crosses goroutines as radiogw's does: a reader
// hands the datagrams to a loop (journal, outbox, fsync), the loop hands the
// batch to a sender (TCP write), and a fourth goroutine reads the
// acknowledgements through Go's poller.
//
// Run: cd .ci/bench && go run ./floor -rate 1000 -mode handoff
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	var (
		peer    = flag.String("peer", "", "internal: run as the peer, sending to this UDP address")
		tcpOut  = flag.String("ack", "", "internal: the peer's TCP listen address is written to this file")
		rate    = flag.Int("rate", 1000, "datagrams a second")
		gap     = flag.Duration("gap", 0, "time between two reads of the drained socket; 0: as radiogw paces its UDP reads at -rate")
		seconds = flag.Int("seconds", 15, "seconds measured, after 3 s of warm-up")
		mode    = flag.String("mode", "one", "one: one goroutine; blocking: one goroutine in blocking system calls; handoff: reader, loop, sender and acknowledgement reader")
		fsync   = flag.Bool("fsync", true, "fsync the outbox every cycle")
		dir     = flag.String("dir", "", "where the journal and outbox files go (default: a temporary directory)")
	)
	flag.Parse()
	if *peer != "" {
		runPeer(*peer, *tcpOut, *rate)
		return
	}
	if *gap <= 0 {
		*gap = radiogwGap(*rate)
	}
	if err := run(*rate, *gap, *seconds, *mode, *fsync, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

// radiogwGap is the gap radiogw's UDP source leaves between two reads at a
// steady rate (gateway/source/udp_batch_linux.go, udpPace): long enough for
// 16 datagrams, from 2 to 10 ms.
func radiogwGap(rate int) time.Duration {
	if rate <= 0 {
		return 10 * time.Millisecond
	}
	return min(max(16*time.Second/time.Duration(rate), 2*time.Millisecond), 10*time.Millisecond)
}

func run(rate int, gap time.Duration, seconds int, mode string, fsync bool, dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "floor")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	defer udp.Close()
	fd, err := blockingFD(udp)
	if err != nil {
		return err
	}
	ackFile := filepath.Join(dir, "ack-addr")
	self, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.Command(self, "-peer", udp.LocalAddr().String(), "-ack", ackFile, "-rate", strconv.Itoa(rate))
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		return err
	}
	defer child.Process.Kill()
	var ackAddr []byte
	for i := 0; i < 100 && len(ackAddr) == 0; i++ {
		time.Sleep(20 * time.Millisecond)
		ackAddr, _ = os.ReadFile(ackFile)
	}
	tcp, err := net.Dial("tcp", strings.TrimSpace(string(ackAddr)))
	if err != nil {
		return fmt.Errorf("peer's TCP: %w", err)
	}
	defer tcp.Close()
	journal, err := os.Create(filepath.Join(dir, "journal"))
	if err != nil {
		return err
	}
	defer journal.Close()
	outbox, err := os.Create(filepath.Join(dir, "outbox"))
	if err != nil {
		return err
	}
	defer outbox.Close()

	c := &cycle{fd: fd, gap: gap, tcp: tcp, journal: journal, outbox: outbox, fsync: fsync, reader: newReader(64, 2048)}
	stop := make(chan struct{})
	switch mode {
	case "one":
		go c.serial(stop, time.Sleep, tcp)
	case "handoff":
		go c.handoff(stop)
	case "blocking":
		tfd, err := blockingFD(tcp.(*net.TCPConn))
		if err != nil {
			return err
		}
		go func() {
			runtime.LockOSThread()
			c.serial(stop, nanosleep, blockingConn(tfd))
		}()
	default:
		return fmt.Errorf("mode %q: want one, handoff or blocking", mode)
	}
	time.Sleep(3 * time.Second)
	cpu0, n0, k0 := cpuTicks(), c.datagrams.Load(), c.cycles.Load()
	t0 := time.Now()
	time.Sleep(time.Duration(seconds) * time.Second)
	cpu1, n1, k1 := cpuTicks(), c.datagrams.Load(), c.cycles.Load()
	el := time.Since(t0).Seconds()
	close(stop)
	cpuMs := float64(cpu1-cpu0) * 10 // clock ticks of 10 ms
	got := float64(n1 - n0)
	fmt.Printf("mode=%s fsync=%v gap=%s rate=%d cycles/s=%.0f datagrams/s=%.0f cpu_ms_per_s=%.1f cpu_ms_per_1k=%.1f cpu_us_per_cycle=%.0f\n",
		mode, fsync, gap, rate, float64(k1-k0)/el, got/el, cpuMs/el, cpuMs/got*1000, cpuMs*1000/float64(k1-k0))
	return nil
}

// cpuTicks is this process's user and system time, in clock ticks.
func cpuTicks() int64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// blockingFD duplicates a socket's descriptor and makes the copy blocking,
// outside Go's poller, as radiogw's UDP source reads its socket.
func blockingFD(c syscall.Conn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var fd int
	var derr error
	if err := rc.Control(func(s uintptr) { fd, derr = unix.Dup(int(s)) }); err != nil {
		return 0, err
	}
	if derr != nil {
		return 0, derr
	}
	return fd, unix.SetNonblock(fd, false)
}

type cycle struct {
	fd              int
	gap             time.Duration
	tcp             net.Conn
	journal, outbox *os.File
	fsync           bool
	reader          *mmsgReader
	datagrams       atomic.Int64
	cycles          atomic.Int64
}

// Bytes written per datagram, as radiogw writes them for a TAIP report
// (strace at 1,000/s, 10 datagrams a step: journal 1,474 bytes, outbox
// 1,837, state link 3,509). A cycle writes these times the datagrams it read.
const (
	journalPerDatagram = 150
	outboxPerDatagram  = 185
	mqttPerDatagram    = 350
	maxPerCycle        = 4096 // datagrams a cycle writes for at most
)

var (
	journalRec = make([]byte, maxPerCycle*journalPerDatagram)
	outboxRec  = make([]byte, maxPerCycle*outboxPerDatagram)
	mqttBatch  = make([]byte, maxPerCycle*mqttPerDatagram)
)

// drain takes what came: one recvmmsg that blocks for the first datagram,
// and more without blocking while they fill the batch.
func (c *cycle) drain() int {
	total := 0
	flags := unix.MSG_WAITFORONE
	for {
		n, err := c.reader.read(c.fd, flags)
		total += n
		if err != nil || n < len(c.reader.hdrs) { // EAGAIN: drained; else run has closed the socket
			return total
		}
		flags = unix.MSG_DONTWAIT
	}
}

// forDatagrams is the part of buf a cycle of n datagrams writes, at per
// bytes each.
func forDatagrams(buf []byte, per, n int) []byte { return buf[:min(n, maxPerCycle)*per] }

// store and send fail only when the measurement is over and run has
// closed the files and the connection.
func (c *cycle) store(n int) error {
	if _, err := c.journal.Write(forDatagrams(journalRec, journalPerDatagram, n)); err != nil {
		return err
	}
	if _, err := c.outbox.Write(forDatagrams(outboxRec, outboxPerDatagram, n)); err != nil {
		return err
	}
	if c.fsync {
		return c.outbox.Sync()
	}
	return nil
}

func send(conn io.Writer, n int) error {
	_, err := conn.Write(forDatagrams(mqttBatch, mqttPerDatagram, n))
	return err
}

// serial runs the cycle on one goroutine: sleep out the gap, drain, store,
// send the batch on conn and read its acknowledgement.
func (c *cycle) serial(stop chan struct{}, sleep func(time.Duration), conn io.ReadWriter) {
	ack := make([]byte, 4096)
	for {
		select {
		case <-stop:
			return
		default:
		}
		sleep(c.gap)
		n := c.drain()
		if c.store(n) != nil || send(conn, n) != nil {
			return
		}
		if _, err := conn.Read(ack); err != nil {
			return
		}
		c.datagrams.Add(int64(n))
		c.cycles.Add(1)
	}
}

// blockingConn reads and writes a descriptor in blocking system calls.
type blockingConn int

func (fd blockingConn) Read(p []byte) (int, error)  { return unix.Read(int(fd), p) }
func (fd blockingConn) Write(p []byte) (int, error) { return unix.Write(int(fd), p) }

// nanosleep sleeps in a system call, holding the thread, where time.Sleep
// parks the goroutine in Go's scheduler.
func nanosleep(d time.Duration) {
	unix.Nanosleep(&unix.Timespec{Nsec: d.Nanoseconds()}, nil)
}

func (c *cycle) handoff(stop chan struct{}) {
	toLoop := make(chan int, 1)
	toSender := make(chan int, 1)
	go func() { // acknowledgements, through the poller
		ack := make([]byte, 4096)
		for {
			if _, err := c.tcp.Read(ack); err != nil {
				return
			}
		}
	}()
	go func() { // the loop
		for n := range toLoop {
			if c.store(n) != nil {
				break
			}
			toSender <- n
		}
		close(toSender)
	}()
	go func() { // the sender
		for n := range toSender {
			if send(c.tcp, n) != nil {
				return
			}
			c.datagrams.Add(int64(n))
			c.cycles.Add(1)
		}
	}()
	for { // the reader
		select {
		case <-stop:
			close(toLoop)
			return
		default:
		}
		time.Sleep(c.gap)
		toLoop <- c.drain()
	}
}

// runPeer sends datagrams at rate, a millisecond's worth at a time, and
// acknowledges every TCP read with 44 bytes (eleven PUBACKs).
func runPeer(to, ackFile string, rate int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				buf := make([]byte, 65536)
				ack := make([]byte, 44)
				for {
					if _, err := conn.Read(buf); err != nil {
						if err != io.EOF {
							fmt.Fprintln(os.Stderr, "peer:", err)
						}
						return
					}
					if _, err := conn.Write(ack); err != nil {
						return
					}
				}
			}()
		}
	}()
	// Renamed into place, so the parent never reads half an address.
	if err := os.WriteFile(ackFile+".new", []byte(ln.Addr().String()), 0o600); err != nil {
		panic(err)
	}
	if err := os.Rename(ackFile+".new", ackFile); err != nil {
		panic(err)
	}
	c, err := net.Dial("udp", to)
	if err != nil {
		panic(err)
	}
	msg := []byte(">RPV78859+3300011-11759633025170000012;ID=0001<")
	tick := time.NewTicker(time.Millisecond)
	sent, start := 0, time.Now()
	for range tick.C {
		due := int(time.Since(start).Seconds() * float64(rate))
		for ; sent < due; sent++ {
			c.Write(msg)
		}
		if os.Getppid() == 1 {
			return
		}
	}
}

// mmsgReader receives up to a batch of datagrams in one recvmmsg, blocking
// for the first only (MSG_WAITFORONE).
type mmsgReader struct {
	hdrs []unix.Mmsghdr
	iovs []unix.Iovec
	bufs [][]byte
}

func newReader(batch, size int) *mmsgReader {
	r := &mmsgReader{hdrs: make([]unix.Mmsghdr, batch), iovs: make([]unix.Iovec, batch), bufs: make([][]byte, batch)}
	for i := range batch {
		r.bufs[i] = make([]byte, size)
		r.iovs[i].Base = &r.bufs[i][0]
		r.iovs[i].SetLen(size)
		r.hdrs[i].Hdr.Iov = &r.iovs[i]
		r.hdrs[i].Hdr.SetIovlen(1)
	}
	return r
}

func (r *mmsgReader) read(fd, flags int) (int, error) {
	for {
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(fd), uintptr(unsafe.Pointer(&r.hdrs[0])),
			uintptr(len(r.hdrs)), uintptr(flags), 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		return int(n), nil
	}
}
