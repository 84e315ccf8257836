package source

import (
	"errors"
	"fmt"

	"go.bug.st/serial"
)

// Lines are the modem-control inputs of a serial port. A COR
// (carrier-operated relay) from a receiver is usually wired to DCD or CTS.
type Lines struct {
	DCD, CTS, DSR, RI bool
}

// LineReader is implemented by serial sources. A COR poller type-asserts the
// Source to it and polls ModemLines at its own rate; the call is cheap (one
// ioctl) and safe while Run reads the same port.
type LineReader interface {
	ModemLines() (Lines, error)
}

// ErrPortNotOpen is returned by ModemLines while the port is closed
// (adapter unplugged, or between reconnect attempts).
var ErrPortNotOpen = errors.New("serial port not open")

// ModemBits reads the modem-control inputs of an open port.
func ModemBits(p serial.Port) (Lines, error) {
	b, err := p.GetModemStatusBits()
	if err != nil {
		return Lines{}, fmt.Errorf("read modem lines: %w", err)
	}
	return Lines{DCD: b.DCD, CTS: b.CTS, DSR: b.DSR, RI: b.RI}, nil
}

// ModemLines reads the modem-control inputs of the port Run has open.
func (s *serialSource) ModemLines() (Lines, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.port == nil {
		return Lines{}, fmt.Errorf("%s: %w", s.cfg.Device, ErrPortNotOpen)
	}
	return ModemBits(s.port)
}
