// Package testsvc starts the real servers radiogw's tests run against
// (mosquitto, and the radiogw binary itself) on free loopback ports. A missing
// server fails the test with the command that installs it; nothing skips.
package testsvc

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	return freePort(t, "tcp", func() (int, error) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port, nil
	})
}

// FreeUDPPort returns a loopback UDP port that was free a moment ago.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	return freePort(t, "udp", func() (int, error) {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	})
}

// handedOut holds the ports given out so far, as "tcp/1234". The kernel
// may give a closed port out again at once, and a test that asks for
// several ports before binding them (a config with an HTTP and a source
// listener) would get one twice: one listener then fails to bind, and the
// test talks to the other.
var (
	handedOutMu sync.Mutex
	handedOut   = map[string]bool{}
)

// freePort asks the kernel for ports until it gives one not handed out yet.
func freePort(t testing.TB, network string, pick func() (int, error)) int {
	t.Helper()
	for {
		port, err := pick()
		if err != nil {
			t.Fatalf("free %s port: %v", network, err)
		}
		key := fmt.Sprintf("%s/%d", network, port)
		handedOutMu.Lock()
		taken := handedOut[key]
		handedOut[key] = true
		handedOutMu.Unlock()
		if !taken {
			return port
		}
	}
}

// LookPath finds a server binary on PATH or in GOPATH/bin, or fails the
// test naming how to install it.
func LookPath(t testing.TB, name, install string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{os.Getenv("GOBIN"), filepath.Join(goPath(), "bin")} {
		if dir == "" {
			continue
		}
		if p := filepath.Join(dir, name); isExec(p) {
			return p
		}
	}
	t.Fatalf("%s is not installed; this test needs the real server. Install it with: %s (or run `make deps`)", name, install)
	return ""
}

func goPath() string {
	if p := os.Getenv("GOPATH"); p != "" {
		return strings.Split(p, ":")[0]
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "go")
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// WaitTCP waits until addr accepts connections.
func WaitTCP(t testing.TB, addr string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not accept connections within %s", addr, within)
}

// Mosquitto is a running mosquitto broker.
type Mosquitto struct {
	Addr string // host:port
	bin  string
	cmd  *exec.Cmd
	conf string
	t    testing.TB
}

// MosquittoOptions configure StartMosquitto.
type MosquittoOptions struct {
	Port  int    // 0 picks a free one
	Extra string // extra mosquitto.conf lines (listeners, TLS, auth)
}

// StartMosquitto runs Debian's mosquitto on loopback until the test ends.
func StartMosquitto(t testing.TB, opts MosquittoOptions) *Mosquitto {
	t.Helper()
	bin := LookPath(t, "mosquitto", "apt-get install mosquitto")
	if opts.Port == 0 {
		opts.Port = FreePort(t)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "mosquitto.conf")
	anon := "allow_anonymous true\n"
	if strings.Contains(opts.Extra, "allow_anonymous") {
		anon = "" // the caller's auth settings decide
	}
	body := fmt.Sprintf("listener %d 127.0.0.1\n%spersistence false\n%s\n", opts.Port, anon, opts.Extra)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	m := &Mosquitto{Addr: fmt.Sprintf("127.0.0.1:%d", opts.Port), bin: bin, conf: conf, t: t}
	m.start()
	t.Cleanup(m.Stop)
	return m
}

func (m *Mosquitto) start() {
	m.t.Helper()
	m.cmd = exec.Command(m.bin, "-c", m.conf)
	m.cmd.Stdout, m.cmd.Stderr = nil, nil
	if err := m.cmd.Start(); err != nil {
		m.t.Fatalf("start mosquitto: %v", err)
	}
	WaitTCP(m.t, m.Addr, 10*time.Second)
}

// Stop kills the broker (a crash, as far as clients can tell).
func (m *Mosquitto) Stop() {
	if m.cmd != nil && m.cmd.Process != nil {
		m.cmd.Process.Kill()
		m.cmd.Wait()
		m.cmd = nil
	}
}

// Restart starts the broker again on the same port, empty.
func (m *Mosquitto) Restart() {
	m.t.Helper()
	m.Stop()
	m.start()
}

// Process is a started command whose output is captured for the test.
type Process struct {
	Cmd    *exec.Cmd
	mu     sync.Mutex
	lines  []string
	exited chan struct{}
	err    error
}

// Start runs a command, collecting its stderr and stdout lines.
func Start(t testing.TB, env []string, name string, args ...string) *Process {
	t.Helper()
	p := &Process{Cmd: exec.Command(name, args...), exited: make(chan struct{})}
	p.Cmd.Env = append(os.Environ(), env...)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.Cmd.Stdout, p.Cmd.Stderr = w, w
	if err := p.Cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	w.Close()
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
	}()
	go func() {
		p.err = p.Cmd.Wait()
		// What the process printed before it exited is read before anyone
		// is told it exited; a grandchild holding the pipe open delays
		// that by at most two seconds.
		select {
		case <-read:
		case <-time.After(2 * time.Second):
		}
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.Cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, p.Output())
		}
	})
	return p
}

// Output is everything the process printed so far.
func (p *Process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// WaitOutput waits until the output contains s.
func (p *Process) WaitOutput(t testing.TB, s string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if strings.Contains(p.Output(), s) {
			return
		}
		select {
		case <-p.exited:
			t.Fatalf("process exited (%v) before printing %q", p.err, s)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("no %q in output within %s", s, within)
}

// Wait waits for the process to exit and returns its exit code.
func (p *Process) Wait(t testing.TB, within time.Duration) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	select {
	case <-p.exited:
	case <-ctx.Done():
		t.Fatalf("process did not exit within %s", within)
	}
	if p.Cmd.ProcessState == nil {
		return -1
	}
	return p.Cmd.ProcessState.ExitCode()
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}
