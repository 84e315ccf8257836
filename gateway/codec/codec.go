// Package codec defines what a protocol decoder is. Each protocol lives in its
// own subpackage; the catalog subpackage maps configured codec names to them.
// Decoders are pure: the same frame always gives the same observations.
package codec

import (
	"errors"
	"fmt"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/frame"
)

// Observations is everything one frame said.
type Observations struct {
	Fixes      []avl.Fix
	Events     []channels.Event
	Identities []Identity   // a device named itself (e.g. $PSIWMDID) without a fix
	Requests   []Request    // a device asked to be answered (e.g. LRRP after ARS registration)
	Times      []DeviceTime // a device told its date and time without a position (e.g. $GPZDA)
}

// DeviceTime is a dated time a device sent without a position. Later
// sentences from it that carry only a time of day take their date from it.
type DeviceTime struct {
	Peer     string
	DeviceID string
	Time     time.Time // UTC, with date
	Received time.Time
}

// Empty reports whether the frame carried nothing of interest.
func (o *Observations) Empty() bool {
	return len(o.Fixes) == 0 && len(o.Events) == 0 && len(o.Identities) == 0 && len(o.Requests) == 0 &&
		len(o.Times) == 0
}

// Identity binds a peer address to the device ID it announced, so later frames
// from that peer without an ID are attributed to it.
type Identity struct {
	Peer     string
	DeviceID string
	Kind     avl.IDKind
}

// Request is a device registration that radiogw should answer, such as an
// ARS registration that warrants a triggered location request.
type Request struct {
	Kind     string // "ars_register", "ars_deregister"
	Peer     string
	DeviceID string
}

// Decoder turns frames into observations.
type Decoder interface {
	Decode(f frame.Frame) (Observations, error)
}

// Options are the per-source settings a decoder may use.
type Options struct {
	Source  string
	Channel string
	Strict  bool // reject reports without a checksum where the protocol makes it optional
	Lenient bool // accept a wrong checksum when the fields parse (counted as checksum_mismatch)
	Profile Profile
}

// Profile is a decoder line profile (see the lines codec).
type Profile struct {
	Name     string
	System   string
	Patterns []Pattern
}

// Pattern maps lines matching Regex to Kind.
type Pattern struct {
	Kind  string
	Regex string
}

// Factory builds a decoder for one source.
type Factory func(Options) (Decoder, error)

// Error is a decode failure with a short, low-cardinality reason used as a
// metrics label ("checksum", "syntax", "unsupported", ...).
type Error struct {
	Reason string
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %v", e.Reason, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a reason.
func Errorf(reason, format string, args ...any) error {
	return &Error{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// Reason returns the metrics reason of a decode error ("other" if untyped).
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	var u *UnsupportedError
	if errors.As(err, &u) {
		return "unsupported"
	}
	return "other"
}

// UnsupportedError is a well-formed frame of a kind radiogw does not decode,
// such as a vendor sentence without a position ($PSIWTXT, TAIP >RUS<). It is
// not a fault of the device: the runtime counts it under its name and does
// not log it as an error.
type UnsupportedError struct{ Name string }

func (e *UnsupportedError) Error() string { return "unsupported: " + e.Name }

// Unsupported returns an UnsupportedError for a frame kind.
func Unsupported(name string) error { return &UnsupportedError{Name: name} }

// Ignored is returned for frames that are well-formed but carry nothing radiogw
// uses (satellite lists, vendor chatter); they are counted, not logged.
var Ignored = &Error{Reason: "ignored", Err: errors.New("frame carries nothing radiogw uses")}
