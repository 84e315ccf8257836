package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"go.bug.st/serial"
)

// serialSource reads one serial port. The device is opened by path on every
// attempt, so a /dev/serial/by-id/... link is resolved afresh after a replug
// (the adapter may come back as another ttyUSBn).
type serialSource struct {
	cfg  Config
	em   *emitter
	mode *serial.Mode

	mu   sync.Mutex // guards port; held across modem-line reads so Close cannot race them
	port serial.Port
}

func (s *serialSource) Name() string { return s.cfg.Name }

// Run opens the port and reads it, reopening with backoff after an unplug.
// An adapter absent at start is retried, or ends Run with an error when
// Startup is "fail".
func (s *serialSource) Run(ctx context.Context, h Hooks) error {
	h = h.withDefaults()
	err := reconnectWait(ctx, s.cfg.Backoff, h, "", s.cfg.Startup == StartupFail, func(ctx context.Context, up func()) error {
		return s.session(ctx, h, up)
	}, s.waitDevice)
	if err != nil {
		return fmt.Errorf("source %q: %w", s.cfg.Name, err)
	}
	return nil
}

// devicePoll is how often an absent device is looked for: a replugged
// adapter is opened within this of its device node (or by-id link)
// appearing, however long it was gone.
const devicePoll = 100 * time.Millisecond

// waitDevice is the serial wait between attempts. While the device path
// does not exist there is nothing to open: it waits, without a deadline
// and without growing the backoff, until the path appears, and then
// returns at once. A device that exists but fails to open waits out d.
func (s *serialSource) waitDevice(ctx context.Context, d time.Duration) bool {
	deadline := time.Now().Add(d)
	absent := !deviceExists(s.cfg.Device)
	t := time.NewTicker(devicePoll)
	defer t.Stop()
	for absent || time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		present := deviceExists(s.cfg.Device)
		if absent && present {
			return true
		}
		absent = !present
	}
	return false
}

// deviceExists follows links (/dev/serial/by-id/...) to the device node.
func deviceExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// errSilent ends a session whose device said nothing for ReadTimeout.
var errSilent = errors.New("no data within read timeout")

func (s *serialSource) session(ctx context.Context, h Hooks, up func()) error {
	port, err := serial.Open(s.cfg.Device, s.mode)
	if err != nil {
		return fmt.Errorf("open %s: %w", s.cfg.Device, err)
	}
	if s.cfg.ReadTimeout > 0 {
		if err := port.SetReadTimeout(s.cfg.ReadTimeout); err != nil {
			port.Close()
			return fmt.Errorf("set read timeout on %s: %w", s.cfg.Device, err)
		}
	}
	s.mu.Lock()
	s.port = port
	s.mu.Unlock()
	closePort := sync.OnceFunc(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.port = nil
		port.Close() // unblocks a pending Read with a PortClosed error
	})
	defer closePort()
	stop := context.AfterFunc(ctx, closePort)
	defer stop()
	up()

	split, _ := Splitter(s.cfg.Framing, s.cfg.MaxFrame, h.Count)
	err = ReadFrames(portReader{port}, split, s.cfg.MaxFrame, func(b []byte, at time.Time) {
		s.em.emit(h, "", b, at)
	}, nil)
	if ctx.Err() == nil {
		h.Count("read_error")
	}
	return fmt.Errorf("read %s: %w", s.cfg.Device, err)
}

// portReader turns go.bug.st/serial's (0, nil) read timeout into an error:
// with ReadTimeout set, a silent device is treated as gone and reopened.
type portReader struct{ p serial.Port }

func (r portReader) Read(b []byte) (int, error) {
	n, err := r.p.Read(b)
	if n == 0 && err == nil {
		return 0, errSilent
	}
	return n, err
}
