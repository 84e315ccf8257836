package lrrp

import (
	"math"
	"time"

	"radiogw/gateway/decode"
)

// Shape names the element that carried a position.
type Shape uint8

const (
	ShapeNone     Shape = iota
	ShapeCircle2D       // 0x51: lat, long, radius
	ShapeCircle3D       // 0x54/0x55: lat, long, radius, altitude [, altitude-acc]
	ShapePoint2D        // 0x66: lat, long
	ShapePoint3D        // 0x69/0x6A: lat, long, altitude [, altitude-acc]
)

// Document is one decoded LRRP document. Optional numbers are NaN when the
// document did not carry them.
type Document struct {
	Type DocType

	// RequestID is the request-id as a big-endian number. Radios echo the
	// server's opaque bytes; radiogw sends 4, and longer IDs keep their last 4
	// bytes here. RequestIDLen is the number of bytes seen (0: no request-id).
	RequestID    uint32
	RequestIDLen int

	Time      time.Time // info-time (UTC); zero when absent
	Shape     Shape
	Lat, Lon  float64 // degrees, valid when Shape != ShapeNone
	RadiusM   float64 // circle radius (horizontal accuracy), metres
	AltitudeM float64
	AltAccM   float64 // altitude accuracy, metres
	SpeedMS   float64 // speed-hor, metres per second
	SpeedVMS  float64 // speed-vrt, metres per second, negative when descending
	Direction float64 // direction-hor in degrees (the element counts 2-degree steps)
	LevConf   int     // lev-conf (confidence, percent); -1 when absent

	HasResult  bool
	ResultCode uint32 // 0 is success
	ResultData []byte // operation-error payload; aliases the parsed bytes

	ProtocolVersion uint32        // protocol-version element, 0 when absent
	Interval        time.Duration // periodic-trigger interval in requests

	// Partial is set when parsing stopped at an element radiogw does not know
	// after the position (or result) had been read: elements carry no length,
	// so nothing after an unknown one can be found, but what came before is sound.
	Partial bool

	// Skipped counts the bytes of unknown elements (and their values) that
	// were stepped over to read the known elements after them.
	Skipped int
}

// Parse decodes the first MBXML document in b. Bytes after the document's
// declared length are ignored: some repeaters pad datagrams. A leading 0x80
// (a transport prefix some TETRA gateways keep) needs no special case: 0x80 is
// a uintvar continuation byte of value 0, so "80 13" reads as document 0x13.
func Parse(b []byte) (Document, error) {
	doc := Document{
		RadiusM: math.NaN(), AltitudeM: math.NaN(), AltAccM: math.NaN(),
		SpeedMS: math.NaN(), SpeedVMS: math.NaN(), Direction: math.NaN(), LevConf: -1,
	}
	if len(b) == 0 {
		return doc, decode.Errorf("syntax", "lrrp: empty datagram")
	}
	r := reader{b: b}
	id, ok := r.uint32var()
	if !ok {
		return doc, decode.Errorf("syntax", "lrrp: truncated document id")
	}
	doc.Type = DocType(id)
	n, ok := r.uint32var()
	if !ok {
		return doc, decode.Errorf("syntax", "lrrp: truncated document length")
	}
	if int64(n) > int64(r.left()) {
		return doc, decode.Errorf("syntax", "lrrp: %s declares %d bytes, datagram has %d", doc.Type, n, r.left())
	}
	class := doc.Type.Class()
	if class == ClassUnknown {
		if doc.Type >= firstARRP && doc.Type <= lastARRP {
			return doc, decode.Errorf("unsupported", "lrrp: accessory (ARRP) document 0x%02x", id)
		}
		return doc, decode.Errorf("unsupported", "lrrp: unknown document id 0x%02x", id)
	}
	body := reader{b: b[r.pos : r.pos+int(n)]}
	var cdt []byte
	if doc.Type.HasCDT() {
		l, ok := body.uint32var()
		if !ok {
			return doc, decode.Errorf("syntax", "lrrp: %s: truncated constant table length", doc.Type)
		}
		if cdt, ok = body.bytes(int(l)); !ok {
			return doc, decode.Errorf("syntax", "lrrp: %s: constant table of %d bytes overruns document", doc.Type, l)
		}
	}
	p := parser{doc: &doc, r: &body, cdt: cdt}
	var err error
	if class == ClassRequest {
		err = p.requestElements()
	} else {
		err = p.reportElements()
	}
	return doc, err
}

type parser struct {
	doc    *Document
	r      *reader
	cdt    []byte
	strict bool // a trial parse after an unknown element: any unknown token fails it
}

func (p *parser) truncated(tok uint64) error {
	return decode.Errorf("syntax", "lrrp: %s: element 0x%02x truncated", p.doc.Type, tok)
}

// requestID handles the three request-id encodings shared by every document.
func (p *parser) requestID(tok uint64) (handled bool, err error) {
	var id []byte
	ok := true
	switch tok {
	case 0x22: // opaque, uintvar length
		var n uint32
		if n, ok = p.r.uint32var(); ok {
			id, ok = p.r.bytes(int(n))
		}
	case 0x23: // one byte
		id, ok = p.r.bytes(1)
	case 0x24: // offset into the constant data table
		var off uint32
		if off, ok = p.r.uint32var(); ok && int64(off) < int64(len(p.cdt)) {
			t := reader{b: p.cdt, pos: int(off)}
			if n, ok2 := t.uint32var(); ok2 {
				id, _ = t.bytes(int(n))
			}
		}
	default:
		return false, nil
	}
	if !ok {
		return true, p.truncated(tok)
	}
	var v uint32
	for _, c := range id {
		v = v<<8 | uint32(c)
	}
	p.doc.RequestID, p.doc.RequestIDLen = v, len(id)
	return true, nil
}

// next returns the next element token and true, taking the request-id
// elements every document may carry on the way; false at the end of the
// document or on error.
func (p *parser) next() (uint64, bool, error) {
	for p.r.left() > 0 {
		tok, _, ok := p.r.uintvar()
		if !ok {
			return 0, false, decode.Errorf("syntax", "lrrp: %s: truncated element token", p.doc.Type)
		}
		handled, err := p.requestID(tok)
		if err != nil {
			return 0, false, err
		}
		if !handled {
			return tok, true, nil
		}
	}
	return 0, false, nil
}

func (p *parser) reportElements() error {
	d := p.doc
	for {
		tok, more, err := p.next()
		if !more {
			return err
		}
		var ok bool
		switch tok {
		case 0x34, 0x35: // info-time
			b, ok := p.r.bytes(5)
			if !ok {
				return p.truncated(tok)
			}
			t, valid := infoTime(b)
			if !valid {
				return decode.Errorf("invalid", "lrrp: %s: info-time %x is not a date", d.Type, b)
			}
			d.Time = t
		case 0x36: // protocol-version
			if d.ProtocolVersion, ok = p.r.uint32var(); !ok {
				return p.truncated(tok)
			}
		case 0x37: // result with result-code
			if d.ResultCode, ok = p.r.uint32var(); !ok {
				return p.truncated(tok)
			}
			d.HasResult = true
		case 0x38: // result, code 0 implied
			d.HasResult, d.ResultCode = true, 0
		case 0x39: // operation-error: result-code, then opaque detail
			if d.ResultCode, ok = p.r.uint32var(); !ok {
				return p.truncated(tok)
			}
			n, ok := p.r.uint32var()
			if !ok {
				return p.truncated(tok)
			}
			if d.ResultData, ok = p.r.bytes(int(n)); !ok {
				return p.truncated(tok)
			}
			d.HasResult = true
		case 0x51, 0x54, 0x55, 0x66, 0x69, 0x6A:
			if !p.shape(tok) {
				return p.truncated(tok)
			}
		case 0x56: // direction-hor, 2-degree steps
			c, ok := p.r.byte()
			if !ok {
				return p.truncated(tok)
			}
			// 180 steps make a circle; larger values are not a direction.
			if c < 180 {
				d.Direction = float64(c) * 2
			}
		case 0x65: // lev-conf
			c, ok := p.r.byte()
			if !ok {
				return p.truncated(tok)
			}
			d.LevConf = int(c)
		case 0x6C: // speed-hor
			if d.SpeedMS, ok = p.r.ufloatvar(); !ok {
				return p.truncated(tok)
			}
		case 0x70: // speed-vrt
			if d.SpeedVMS, ok = p.r.sfloatvar(); !ok {
				return p.truncated(tok)
			}
		default:
			if p.strict {
				return decode.Errorf("unsupported", "lrrp: %s: unknown element 0x%02x", d.Type, tok)
			}
			if p.resync() {
				return nil
			}
			if d.Shape != ShapeNone || d.HasResult {
				d.Partial = true
				return nil
			}
			return decode.Errorf("unsupported", "lrrp: %s: unknown element 0x%02x", d.Type, tok)
		}
	}
}

// maxResync is the longest rest of a document resync searches.
const maxResync = 256

// resync continues after an element radiogw does not know. Elements carry
// no length, so it looks for the nearest offset from which the rest of the
// document reads as known elements to its very end, and takes what they
// say: a vendor element in the middle of a report does not cost the
// position or time after it. It reports false, changing nothing, when no
// offset works.
func (p *parser) resync() bool {
	// Each offset costs a parse of the rest: bound the work a crafted
	// datagram can ask for. Real reports are well under 100 bytes.
	if p.r.left() > maxResync {
		return false
	}
	for q := p.r.pos; q < len(p.r.b); q++ {
		trial := *p.doc
		tr := parser{doc: &trial, r: &reader{b: p.r.b, pos: q}, cdt: p.cdt, strict: true}
		if tr.reportElements() == nil && tr.r.left() == 0 {
			trial.Skipped += q - p.r.pos + 1
			*p.doc = trial
			p.r.pos = len(p.r.b)
			return true
		}
	}
	return false
}

// shape reads a position element. The x4/x5 and x9/xA pairs differ by a
// trailing altitude-accuracy (the odd/even token pairs of MBXML mark an
// optional last field).
func (p *parser) shape(tok uint64) bool {
	d := p.doc
	lat, ok1 := p.r.uint32be()
	lon, ok2 := p.r.uint32be()
	if !ok1 || !ok2 {
		return false
	}
	radius, alt, acc := math.NaN(), math.NaN(), math.NaN()
	ok := true
	var shape Shape
	switch tok {
	case 0x51:
		shape = ShapeCircle2D
		radius, ok = p.r.ufloatvar()
	case 0x54, 0x55:
		shape = ShapeCircle3D
		if radius, ok = p.r.ufloatvar(); ok {
			alt, ok = p.r.sfloatvar()
		}
		if ok && tok == 0x55 {
			acc, ok = p.r.ufloatvar()
		}
	case 0x66:
		shape = ShapePoint2D
	case 0x69, 0x6A:
		shape = ShapePoint3D
		alt, ok = p.r.sfloatvar()
		if ok && tok == 0x6A {
			acc, ok = p.r.ufloatvar()
		}
	}
	if !ok {
		return false
	}
	d.Shape, d.Lat, d.Lon = shape, latitude(lat), longitude(lon)
	d.RadiusM, d.AltitudeM, d.AltAccM = radius, alt, acc
	return true
}

// requestElements walks a request far enough to learn its request-id and
// trigger interval (for round-trip tests and logs). Requests are never turned
// into observations, so an unknown element just ends the walk.
func (p *parser) requestElements() error {
	d := p.doc
	for {
		tok, more, err := p.next()
		if !more {
			return err
		}
		switch tok {
		case 0x31: // periodic-trigger interval, seconds
			s, ok := p.r.uint32var()
			if !ok {
				return p.truncated(tok)
			}
			d.Interval = time.Duration(s) * time.Second
		case 0x33, 0x34, 0x50, 0x51, 0x52, 0x53, 0x54, 0x57, 0x62, 0x64, 0x66, 0x69, 0x74, 0x76:
			// elements without a value: triggers, ret-info, request-*/require-* flags
		case 0x3F, 0x42, 0x4A, 0x55, 0x5F, 0x67, 0x71: // uintvar-valued
			if _, ok := p.r.uint32var(); !ok {
				return p.truncated(tok)
			}
		case 0x56, 0x60, 0x68, 0x72: // ufloatvar-valued accuracies
			if _, ok := p.r.ufloatvar(); !ok {
				return p.truncated(tok)
			}
		case 0x61, 0x73: // lev-conf, one byte
			if _, ok := p.r.byte(); !ok {
				return p.truncated(tok)
			}
		default:
			d.Partial = true
			return nil
		}
	}
}
