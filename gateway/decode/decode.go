// Package decode defines what a protocol decoder is: a frame in,
// observations out. Each protocol lives in its own folder under gateway/codec;
// gateway/codec/catalog maps configured codec names to them. Decoders are
// pure: the same frame always gives the same observations.
package decode

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
	Replies    []Reply      // what the frame asks radiogw to send back (acks, location requests)
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
	return len(o.Fixes) == 0 && len(o.Events) == 0 && len(o.Identities) == 0 && len(o.Replies) == 0 &&
		len(o.Times) == 0
}

// Identity binds a peer address to the device ID it announced, so later frames
// from that peer without an ID are attributed to it.
type Identity struct {
	Peer     string
	DeviceID string
	Kind     avl.IDKind
}

// Reply is a datagram or write a codec asks the runtime to send: an
// acknowledgement, a location request. The codec says everything protocol
// specific (bytes, address, port, which source sends it); the runtime only
// checks the sending source's allow list, rate-limits and sends.
type Reply struct {
	Via  string // name of the source that sends it; "" is the source the frame came from
	Peer string // "ip:port" to send to
	Data []byte
	Kind string // short label for logs ("calamp_ack", "lrrp_location_request")
}

// Decoder turns frames into observations.
type Decoder interface {
	Decode(f frame.Frame) (Observations, error)
}

// Options are the per-source settings a decoder may use. Each codec turns
// them into its own options struct (see the codec's options.go).
type Options struct {
	Source  string
	Channel string
	Strict  bool // reject reports without a checksum where the protocol makes it optional
	Lenient bool // accept a wrong checksum when the fields parse (counted as checksum_mismatch)
	Profile Profile
	// Settings are the codec's own settings, as its catalog entry decoded
	// them from the source's options block; nil for a codec without any.
	Settings any
	// SourceFor names the first running source feeding a codec, in
	// configuration order, "" if none: a codec addresses a reply to another
	// source with it (ARS answers through the LRRP source). It reads the
	// configuration in force at each call, so a reload that adds or stops a
	// source changes no codec's options. nil: no other source.
	SourceFor func(codec string) string
	// ReportInterval is how often a device should report, from its unit
	// type's settings; nil or 0 leaves the codec's default.
	ReportInterval func(deviceID string) time.Duration
}

// Interval is o.ReportInterval for id, or def when none is configured.
func (o *Options) Interval(id string, def time.Duration) time.Duration {
	if o.ReportInterval != nil {
		if d := o.ReportInterval(id); d > 0 {
			return d
		}
	}
	return def
}

// FirstSource is o.SourceFor(codec), "" without a lookup.
func (o *Options) FirstSource(codec string) string {
	if o.SourceFor == nil {
		return ""
	}
	return o.SourceFor(codec)
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
