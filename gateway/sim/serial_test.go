package sim

import (
	"bufio"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"
)

// TestConsoleOpensAsSerialPort opens the console the way radiogw opens a
// decoder's port (go.bug.st/serial, 9600 8N1) and reads a line, then checks
// that stopping the simulator is seen as an unplug.
func TestConsoleOpensAsSerialPort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ttyMDC")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Seed: 5, Units: 4, ConsolePath: path, EmergencyEvery: time.Second, Logger: quiet})
	}()
	var port serial.Port
	var err error
	for range 100 {
		if port, err = serial.Open(path, &serial.Mode{BaudRate: 9600, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		cancel()
		t.Fatalf("open %s as a serial port: %v", path, err)
	}
	defer port.Close()
	lines := make(chan string, 8)
	readErr := make(chan error, 1)
	go func() {
		r := bufio.NewReader(port)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				readErr <- err
				return
			}
			lines <- strings.TrimSpace(l)
		}
	}()
	select {
	case l := <-lines:
		if f := strings.Fields(l); len(f) != 3 || f[1] != appRptNode {
			t.Errorf("line %q", l)
		}
	case err := <-readErr:
		t.Fatalf("read: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no line from the console")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case <-readErr: // the port went away, as an unplugged adapter does
	case <-time.After(5 * time.Second):
		t.Error("reading the console did not end when the simulator stopped")
	}
}

// TestConsoleNobodyReading: with no reader the pty fills up; lines are then
// dropped and counted, and closing does not hang on the blocked write.
func TestConsoleNobodyReading(t *testing.T) {
	cs, err := openConsoles(filepath.Join(t.TempDir(), "tty"), []string{"main"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5000 {
		cs.send(consoleLine{text: appRptLine(t0.Add(time.Duration(i)*time.Second), "I1201")})
	}
	closed := make(chan struct{})
	go func() { cs.close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("closing a console nobody reads hangs")
	}
	if cs.list[0].dropped.Load() == 0 {
		t.Error("5000 unread lines and none dropped")
	}
}
