package systemd

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"radiogw/systemd/sdtest"
)

func TestNotifierStates(t *testing.T) {
	sock := sdtest.Listen(t)
	t.Setenv("NOTIFY_SOCKET", sock.Path)
	n := NewNotifier(nil)

	n.Ready()
	_, i := sock.WaitFrom(t, 0, "READY=1", 5*time.Second)
	before, _ := strconv.ParseInt(monotonicUsec(), 10, 64)
	n.Reloading()
	m, i := sock.WaitFrom(t, i+1, "RELOADING=1", 5*time.Second)
	after, _ := strconv.ParseInt(monotonicUsec(), 10, 64)
	v, ok := m.Field("MONOTONIC_USEC")
	if !ok {
		t.Fatalf("RELOADING=1 without MONOTONIC_USEC: %q", m.State)
	}
	usec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || usec < before || usec > after {
		t.Errorf("MONOTONIC_USEC=%s, want CLOCK_MONOTONIC between %d and %d", v, before, after)
	}
	n.Ready()
	_, i = sock.WaitFrom(t, i+1, "READY=1", 5*time.Second)
	n.Status("3 sources up")
	_, i = sock.WaitFrom(t, i+1, "STATUS=3 sources up", 5*time.Second)
	n.Stopping()
	sock.WaitFrom(t, i+1, "STOPPING=1", 5*time.Second)
}

// Outside systemd every call is a no-op and Watchdog returns at once.
func TestNotifierWithoutSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	t.Setenv("WATCHDOG_USEC", "")
	n := NewNotifier(nil)
	n.Ready()
	n.Reloading()
	n.Stopping()
	done := make(chan struct{})
	go func() {
		n.Watchdog(context.Background(), func() bool { return true })
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Watchdog did not return without WATCHDOG_USEC")
	}
}

// The watchdog pings while healthy() holds, stops while it does not (so
// systemd restarts a stuck daemon) and resumes when it recovers.
func TestWatchdogWithheldWhileStuck(t *testing.T) {
	sock := sdtest.Listen(t)
	t.Setenv("NOTIFY_SOCKET", sock.Path)
	t.Setenv("WATCHDOG_USEC", "200000") // pings every 100 ms
	var healthy atomic.Bool
	healthy.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		NewNotifier(nil).Watchdog(ctx, healthy.Load)
		close(done)
	}()

	_, i := sock.WaitFrom(t, 0, "WATCHDOG=1", 5*time.Second)
	sock.WaitFrom(t, i+1, "WATCHDOG=1", 5*time.Second)

	healthy.Store(false)
	time.Sleep(150 * time.Millisecond) // a ping already decided may still land
	stuckFrom := sock.Len()
	time.Sleep(time.Second) // ten intervals
	if n := sock.Count(stuckFrom, "WATCHDOG=1"); n != 0 {
		t.Fatalf("%d watchdog pings while the pipeline was stuck", n)
	}

	healthy.Store(true)
	sock.WaitFrom(t, stuckFrom, "WATCHDOG=1", 5*time.Second)

	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Watchdog did not return after cancel")
	}
	stopped := sock.Len()
	time.Sleep(300 * time.Millisecond)
	if n := sock.Count(stopped, "WATCHDOG=1"); n != 0 {
		t.Errorf("%d pings after the watchdog was cancelled", n)
	}
}

// WATCHDOG_PID names the process systemd watches; another process's
// setting must not make this one ping.
func TestWatchdogOtherPID(t *testing.T) {
	sock := sdtest.Listen(t)
	t.Setenv("NOTIFY_SOCKET", sock.Path)
	t.Setenv("WATCHDOG_USEC", "100000")
	t.Setenv("WATCHDOG_PID", "1")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	NewNotifier(nil).Watchdog(ctx, func() bool { return true })
	if n := sock.Count(0, "WATCHDOG=1"); n != 0 {
		t.Errorf("%d pings with WATCHDOG_PID of another process", n)
	}
}

func TestUnderSystemd(t *testing.T) {
	t.Setenv("JOURNAL_STREAM", "")
	t.Setenv("INVOCATION_ID", "")
	if UnderSystemd() {
		t.Error("UnderSystemd without JOURNAL_STREAM or INVOCATION_ID")
	}
	t.Setenv("JOURNAL_STREAM", "8:12345")
	if !UnderSystemd() {
		t.Error("not UnderSystemd with JOURNAL_STREAM set")
	}
}
