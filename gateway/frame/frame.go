// Package frame defines the unit of data that flows from a transport to a
// decoder. It is a leaf package so that transports and codecs share the type
// without importing each other.
package frame

import "time"

// Frame is one framed message as it arrived at the edge of radiogw.
type Frame struct {
	Source   string    // configured source name
	Seq      uint64    // per-source sequence number, starting at 1
	Peer     string    // sender address or connection identity; empty for serial
	Received time.Time // stamped once, when the bytes were read
	Data     []byte    // the frame without its delimiters; owned by the frame
}
