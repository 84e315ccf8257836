package cor

import "go.bug.st/serial"

// ModemStatus is the part of a go.bug.st/serial port that reads the
// modem-control inputs.
type ModemStatus interface {
	GetModemStatusBits() (*serial.ModemStatusBits, error)
}

// SerialLines adapts an open serial port to a LineSource.
func SerialLines(p ModemStatus) LineSource { return serialLines{p} }

type serialLines struct{ p ModemStatus }

func (s serialLines) Lines() (Lines, error) {
	b, err := s.p.GetModemStatusBits()
	if err != nil {
		return Lines{}, err
	}
	return Lines{DCD: b.DCD, CTS: b.CTS, DSR: b.DSR, RI: b.RI}, nil
}
