package lrrp

import "math"

// MBXML, the binary XML that carries LRRP, encodes numbers as:
//   - uintvar: big-endian groups of 7 bits, bit 7 set on every byte but the last;
//   - sintvar: as uintvar, but bit 6 of the first byte is the sign and only
//     its low 6 bits count;
//   - ufloatvar / sfloatvar: an integer part (uintvar / sintvar) followed by a
//     fraction part, a uintvar of n bytes worth value/128^n.

// maxVarBytes bounds a uintvar: five groups hold 35 bits, more than any LRRP
// field needs. A longer run of continuation bytes is malformed input.
const maxVarBytes = 5

// reader walks a byte slice without allocating. Every read reports whether
// the bytes were there, so a truncated document surfaces as a syntax error.
type reader struct {
	b   []byte
	pos int
}

func (r *reader) left() int { return len(r.b) - r.pos }

func (r *reader) byte() (byte, bool) {
	if r.pos >= len(r.b) {
		return 0, false
	}
	c := r.b[r.pos]
	r.pos++
	return c, true
}

func (r *reader) bytes(n int) ([]byte, bool) {
	if n < 0 || n > r.left() {
		return nil, false
	}
	s := r.b[r.pos : r.pos+n]
	r.pos += n
	return s, true
}

func (r *reader) uint32be() (uint32, bool) {
	s, ok := r.bytes(4)
	if !ok {
		return 0, false
	}
	return uint32(s[0])<<24 | uint32(s[1])<<16 | uint32(s[2])<<8 | uint32(s[3]), true
}

// uintvar returns the value and the number of bytes it took.
func (r *reader) uintvar() (uint64, int, bool) {
	var v uint64
	for n := 1; n <= maxVarBytes; n++ {
		c, ok := r.byte()
		if !ok {
			return 0, 0, false
		}
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 == 0 {
			return v, n, true
		}
	}
	return 0, 0, false
}

// uint32var is a uintvar that must fit in 32 bits (lengths, codes, intervals).
func (r *reader) uint32var() (uint32, bool) {
	v, _, ok := r.uintvar()
	if !ok || v > math.MaxUint32 {
		return 0, false
	}
	return uint32(v), true
}

// sintvar returns the magnitude and whether the sign flag was set; the flag
// matters on its own because sfloatvar can encode -0.x as "-0" plus a fraction.
func (r *reader) sintvar() (mag uint64, neg bool, ok bool) {
	first, ok := r.byte()
	if !ok {
		return 0, false, false
	}
	neg = first&0x40 != 0
	mag = uint64(first & 0x3f)
	c := first
	for n := 1; c&0x80 != 0; n++ {
		if n >= maxVarBytes {
			return 0, false, false
		}
		if c, ok = r.byte(); !ok {
			return 0, false, false
		}
		mag = mag<<7 | uint64(c&0x7f)
	}
	return mag, neg, true
}

func (r *reader) fraction() (float64, bool) {
	v, n, ok := r.uintvar()
	if !ok {
		return 0, false
	}
	return float64(v) / float64(uint64(1)<<(7*uint(n))), true
}

func (r *reader) ufloatvar() (float64, bool) {
	i, _, ok := r.uintvar()
	if !ok {
		return 0, false
	}
	f, ok := r.fraction()
	if !ok {
		return 0, false
	}
	return float64(i) + f, true
}

func (r *reader) sfloatvar() (float64, bool) {
	i, neg, ok := r.sintvar()
	if !ok {
		return 0, false
	}
	f, ok := r.fraction()
	if !ok {
		return 0, false
	}
	v := float64(i) + f
	if neg {
		v = -v
	}
	return v, true
}

// appendUintvar appends v in MBXML uintvar form (shortest encoding).
func appendUintvar(dst []byte, v uint32) []byte {
	var tmp [maxVarBytes]byte
	i := len(tmp) - 1
	tmp[i] = byte(v & 0x7f)
	for v >>= 7; v != 0; v >>= 7 {
		i--
		tmp[i] = byte(v&0x7f) | 0x80
	}
	return append(dst, tmp[i:]...)
}

// appendUfloatvar is an integer uintvar plus a one-byte fraction in 1/128;
// negative values are sent as 0.
func appendUfloatvar(dst []byte, v float64) []byte {
	v = max(v, 0)
	i := math.Floor(v)
	f := min(int(math.Round((v-i)*128)), 127)
	return append(appendUintvar(dst, uint32(i)), byte(f))
}
