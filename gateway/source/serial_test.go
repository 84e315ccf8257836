package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"go.bug.st/serial"
)

// adapter is a pseudo-terminal standing in for a USB-serial adapter: the
// test writes on the master, the source opens the slave through a
// /dev/serial/by-id style symlink. Closing the master is an unplug.
type adapter struct {
	master *os.File
	slave  string
}

func plug(t testing.TB, link string) *adapter {
	t.Helper()
	m, s, err := pty.Open()
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	a := &adapter{master: m, slave: s.Name()}
	s.Close() // the source opens its own fd through the link
	tmp := link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(a.slave, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil { // re-point atomically, as udev does
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return a
}

func (a *adapter) write(t testing.TB, s string) {
	t.Helper()
	if _, err := a.master.WriteString(s); err != nil {
		t.Fatalf("write to pty: %v", err)
	}
}

func (a *adapter) unplug() { a.master.Close() }

func byIDLink(t testing.TB) string {
	return filepath.Join(t.TempDir(), "usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0")
}

func serialCfg(link string) Config {
	return Config{Type: TypeSerial, Name: "console", Device: link, Baud: 9600, MaxFrame: 128, Backoff: fastBackoff}
}

func TestSerialUnplugReplug(t *testing.T) {
	link := byIDLink(t)
	a := plug(t, link)
	src, err := New(serialCfg(link))
	if err != nil {
		t.Fatal(err)
	}
	r := newRecorder()
	start(t, src, r)
	eventually(t, "port up", func() bool { return r.ups() == 1 })

	var want []string
	for i := range 50 {
		line := fmt.Sprintf("$GPRMC,%04d,A", i)
		want = append(want, line)
		a.write(t, line+"\r\n")
	}
	eventually(t, "first batch", func() bool { return len(r.data()) == 50 })
	a.write(t, "$GPRMC,HALF") // cut off by the unplug: must not arrive
	time.Sleep(50 * time.Millisecond)
	a.unplug()
	eventually(t, "down after unplug", func() bool {
		_, ev := r.snapshot()
		return len(ev) == 2 && strings.HasPrefix(ev[1], "down ")
	})
	if _, err := src.(LineReader).ModemLines(); !errors.Is(err, ErrPortNotOpen) {
		t.Errorf("ModemLines while unplugged: %v, want ErrPortNotOpen", err)
	}

	b := plug(t, link) // replugged: a new tty behind the same by-id name
	eventually(t, "port up again", func() bool { return r.ups() == 2 })
	for i := 50; i < 100; i++ {
		line := fmt.Sprintf("$GPRMC,%04d,A", i)
		want = append(want, line)
		b.write(t, line+"\n")
	}
	eventually(t, "second batch", func() bool { return len(r.data()) >= 100 })
	time.Sleep(50 * time.Millisecond)

	if got := r.data(); !slices.Equal(got, want) {
		t.Fatalf("frames across replug:\n got %q\nwant %q", got, want)
	}
	fs, _ := r.snapshot()
	checkSeq(t, fs, "console")
	for _, f := range fs {
		if f.Peer != "" {
			t.Fatalf("serial frame has Peer %q", f.Peer)
		}
	}
	if r.count("reconnect") < 1 || r.count("read_error") != 1 {
		t.Errorf("counts %v: want reconnect >= 1 and one read_error", r.counts)
	}
	if r.count("truncated") != 1 {
		t.Errorf("half line at unplug counted %d times as truncated, want 1", r.count("truncated"))
	}
}

func TestSerialStartupRetryWaitsForAdapter(t *testing.T) {
	link := byIDLink(t)
	src, err := New(serialCfg(link))
	if err != nil {
		t.Fatal(err)
	}
	r := newRecorder()
	start(t, src, r)
	// An absent device is watched for, not retried: no futile opens, and
	// no backoff grown meanwhile.
	time.Sleep(1500 * time.Millisecond)
	if _, ev := r.snapshot(); len(ev) != 1 || !strings.HasPrefix(ev[0], "down ") {
		t.Fatalf("events while absent %q, want one down", ev)
	}
	if n := r.count("reconnect"); n > 0 {
		t.Errorf("%d open attempts while the device was absent, want none", n)
	}
	a := plug(t, link)
	plugged := time.Now()
	eventually(t, "up once plugged", func() bool { return r.ups() == 1 })
	if d := time.Since(plugged); d > time.Second {
		t.Errorf("opened %s after the device appeared, want within 1 s", d)
	}
	a.write(t, "hello\n")
	eventually(t, "frame", func() bool { return slices.Equal(r.data(), []string{"hello"}) })
}

func TestSerialStartupFail(t *testing.T) {
	cfg := serialCfg(byIDLink(t))
	cfg.Startup = StartupFail
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = src.Run(context.Background(), Hooks{})
	if err == nil || !strings.Contains(err.Error(), "console") {
		t.Fatalf("Run with an absent adapter and startup fail: %v", err)
	}
}

func TestSerialCancelUnblocksRun(t *testing.T) {
	link := byIDLink(t)
	plug(t, link)
	src, err := New(serialCfg(link))
	if err != nil {
		t.Fatal(err)
	}
	r := newRecorder()
	stop := start(t, src, r)
	eventually(t, "port up", func() bool { return r.ups() == 1 })
	if _, err := src.(LineReader).ModemLines(); errors.Is(err, ErrPortNotOpen) {
		t.Fatalf("ModemLines on an open port: %v", err)
	}
	stop() // fails the test if Run stays blocked in Read
	if _, ev := r.snapshot(); ev[len(ev)-1] != "down  <nil>" {
		t.Fatalf("last event %q, want a clean down", ev[len(ev)-1])
	}
}

func TestSerialSilentPortReopened(t *testing.T) {
	link := byIDLink(t)
	a := plug(t, link)
	cfg := serialCfg(link)
	cfg.ReadTimeout = 100 * time.Millisecond
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := newRecorder()
	start(t, src, r)
	eventually(t, "reopened after silence", func() bool { return r.ups() >= 2 })
	_, ev := r.snapshot()
	if !strings.Contains(ev[1], errSilent.Error()) {
		t.Fatalf("down event %q does not say the port went silent", ev[1])
	}
	a.write(t, "alive\n")
	eventually(t, "frame after reopen", func() bool { return slices.Contains(r.data(), "alive") })
}

// TestGoBugSTSerialContract pins the go.bug.st/serial behaviour radiogw
// relies on (docs/DEPENDENCIES.md, "Serial"): Close unblocks a pending Read
// with a PortClosed error, and an unplug surfaces as an error rather than
// as a (0, nil) that looks like a timeout.
func TestGoBugSTSerialContract(t *testing.T) {
	readErr := func(p serial.Port) <-chan error {
		ch := make(chan error, 1)
		go func() {
			buf := make([]byte, 64)
			for {
				n, err := p.Read(buf)
				if err != nil || n == 0 {
					ch <- err
					return
				}
			}
		}()
		return ch
	}
	mode := &serial.Mode{BaudRate: 9600}

	t.Run("close unblocks read", func(t *testing.T) {
		a := plug(t, byIDLink(t))
		p, err := serial.Open(a.slave, mode)
		if err != nil {
			t.Fatal(err)
		}
		ch := readErr(p)
		time.Sleep(50 * time.Millisecond) // let Read block
		closed := make(chan struct{})
		go func() { p.Close(); close(closed) }()
		select {
		case err := <-ch:
			var pe *serial.PortError
			if !errors.As(err, &pe) || pe.Code() != serial.PortClosed {
				t.Fatalf("pending Read ended with %v, want PortClosed", err)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("Close did not unblock the pending Read")
		}
		select {
		case <-closed:
		case <-time.After(2 * time.Second):
			t.Fatal("Close blocked")
		}
	})

	t.Run("unplug is an error", func(t *testing.T) {
		a := plug(t, byIDLink(t))
		p, err := serial.Open(a.slave, mode)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		ch := readErr(p)
		time.Sleep(50 * time.Millisecond)
		a.unplug()
		select {
		case err := <-ch:
			if err == nil {
				t.Fatal("unplug looked like a timeout: (0, nil)")
			}
		case <-time.After(2 * time.Second):
			t.Fatal("Read did not notice the unplug")
		}
	})
}
