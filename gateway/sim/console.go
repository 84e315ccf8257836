package sim

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// ConsolePaths returns where each channel's console appears for a given
// Options.ConsolePath: the first channel's at base, the others at
// base-<channel>. The runtime configures one serial source per path.
func ConsolePaths(base string, channels []string) []string {
	if len(channels) == 0 {
		channels = []string{"main"}
	}
	out := make([]string, len(channels))
	for i, ch := range channels {
		if i == 0 {
			out[i] = base
		} else {
			out[i] = base + "-" + ch
		}
	}
	return out
}

// console is one pseudo-terminal standing in for a decoder on a serial port.
type console struct {
	path          string
	master, slave *os.File
	lines         chan string
	dropped       atomic.Int64
	done          chan struct{}
}

type consoles struct {
	list []*console
	udp  net.Conn // optional: every line also goes here, one per datagram
	log  *slog.Logger
}

func dialConsole(addr string) (net.Conn, error) {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("sim: console %s: %w", addr, err)
	}
	return c, nil
}

// openConsoles creates one pty per channel and links its slave at the path.
func openConsoles(base string, channels []string, log *slog.Logger) (*consoles, error) {
	cs := &consoles{log: log}
	for _, p := range ConsolePaths(base, channels) {
		c, err := openConsole(p)
		if err != nil {
			cs.close()
			return nil, err
		}
		go c.write(log)
		go drain(c.master)
		cs.list = append(cs.list, c)
	}
	return cs, nil
}

func openConsole(path string) (*console, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("sim: console %s: open pty: %w", path, err)
	}
	if master, err = pollable(master); err != nil {
		slave.Close()
		return nil, fmt.Errorf("sim: console %s: %w", path, err)
	}
	// Raw mode: no echo back into the master (nobody reads it for that) and
	// no line editing, as a real serial port delivers bytes.
	if t, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS); err == nil {
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Oflag &^= unix.OPOST
		_ = unix.IoctlSetTermios(int(slave.Fd()), unix.TCSETS, t)
	}
	// Replace a stale link from an earlier run, never a real file or device.
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSymlink == 0 {
			master.Close()
			slave.Close()
			return nil, fmt.Errorf("sim: console %s exists and is not a symlink", path)
		}
		os.Remove(path)
	}
	if err := os.Symlink(slave.Name(), path); err != nil {
		master.Close()
		slave.Close()
		return nil, fmt.Errorf("sim: console %s: %w", path, err)
	}
	return &console{path: path, master: master, slave: slave, lines: make(chan string, 256), done: make(chan struct{})}, nil
}

// pollable returns the pty master in non-blocking mode, registered with
// Go's poller. creack/pty leaves it blocking (it calls Fd()), and then Close
// cannot interrupt the pending Read of drain: the descriptor would stay
// open, and whoever has the console open would never see it unplugged.
func pollable(f *os.File) (*os.File, error) {
	defer f.Close()
	fd, err := unix.Dup(int(f.Fd()))
	if err != nil {
		return nil, fmt.Errorf("dup pty: %w", err)
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("pty non-blocking: %w", err)
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

// write sends queued lines to the master side. A pty whose reader went away
// stops taking bytes once its buffer is full; the queue in front of it then
// fills and further lines are dropped and counted, so the script never
// blocks.
func (c *console) write(log *slog.Logger) {
	defer close(c.done)
	for l := range c.lines {
		if _, err := io.WriteString(c.master, l+"\r\n"); err != nil {
			log.Debug("console write failed", "path", c.path, "err", err)
			return
		}
	}
}

// drain discards what the reading side sends back (a console may be
// polled), so the pty's output buffer never fills.
func drain(f *os.File) {
	buf := make([]byte, 512)
	for {
		if _, err := f.Read(buf); err != nil {
			return
		}
	}
}

func (c *console) send(line string) {
	select {
	case c.lines <- line:
	default:
		c.dropped.Add(1)
	}
}

func (cs *consoles) close() {
	for _, c := range cs.list {
		close(c.lines)
		c.master.Close() // unblocks a write stuck on a full pty
		<-c.done
		c.slave.Close()
		if dst, err := os.Readlink(c.path); err == nil && dst == c.slave.Name() {
			os.Remove(c.path)
		}
		if n := c.dropped.Load(); n > 0 {
			cs.log.Warn("console lines dropped: nobody was reading", "path", c.path, "dropped", n)
		}
	}
}

// runConsole plays the script on the wall clock and passes on the status
// lines the streams queue.
func runConsole(ctx context.Context, s *script, status *statusQueue, cs *consoles) {
	next, scripted := s.next()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		var due <-chan time.Time
		if scripted {
			// Reset drops a stale fire (Go 1.23 timers), so no draining
			timer.Reset(max(0, time.Until(next.at)))
			due = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case l := <-status.lines:
			cs.send(l)
		case <-due:
			cs.send(next)
			next, scripted = s.next()
		}
	}
}

func (cs *consoles) send(l consoleLine) {
	if len(cs.list) > 0 {
		cs.list[l.channel%len(cs.list)].send(l.text)
	}
	if cs.udp != nil {
		// a lost datagram is a missed decode, as on the air; no retry
		_, _ = cs.udp.Write([]byte(l.text))
	}
}
