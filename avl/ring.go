package avl

// ring keeps the last n accepted fixes of a unit in fix-time order. It grows
// on demand up to its limit so quiet units cost little, then wraps.
type ring struct {
	buf   []Fix
	start int // index of the oldest fix once buf is full
	limit int
}

func (r *ring) len() int { return len(r.buf) }

// at returns the i-th oldest fix.
func (r *ring) at(i int) *Fix { return &r.buf[(r.start+i)%len(r.buf)] }

// push adds a fix, keeping time order; a fix older than every kept one when
// the ring is full is dropped. It reports whether the fix was kept.
func (r *ring) push(f Fix) bool {
	n := len(r.buf)
	// Find the logical position: after every fix not newer than f.
	pos := n
	for pos > 0 && r.at(pos-1).Time.After(f.Time) {
		pos--
	}
	if n < r.limit {
		// Still growing: start is 0, buf is in logical order.
		if n == cap(r.buf) {
			r.grow()
		}
		r.buf = r.buf[:n+1]
		copy(r.buf[pos+1:], r.buf[pos:n])
		r.buf[pos] = f
		return true
	}
	if pos == 0 {
		return false
	}
	// Full: the oldest slot becomes the newest, then f moves back into place.
	*r.at(0) = f
	r.start = (r.start + 1) % n
	for i := n - 1; i > pos-1; i-- {
		*r.at(i) = *r.at(i - 1)
	}
	*r.at(pos - 1) = f
	return true
}

// grow doubles the capacity, never past the limit.
func (r *ring) grow() {
	c := 2 * cap(r.buf)
	if c < 4 {
		c = 4
	}
	if c > r.limit {
		c = r.limit
	}
	nb := make([]Fix, len(r.buf), c)
	copy(nb, r.buf)
	r.buf = nb
}

// hasTime reports whether a kept fix has exactly this fix time.
func (r *ring) hasTime(f Fix) bool {
	for i := len(r.buf) - 1; i >= 0; i-- {
		if r.buf[i].Time.Equal(f.Time) {
			return true
		}
	}
	return false
}

// slice returns the fixes oldest first, as a new slice.
func (r *ring) slice() []Fix {
	out := make([]Fix, len(r.buf))
	for i := range out {
		out[i] = *r.at(i)
	}
	return out
}

// resize changes the limit, keeping the newest fixes.
func (r *ring) resize(limit int) {
	old := r.slice()
	if len(old) > limit {
		old = old[len(old)-limit:]
	}
	r.buf, r.start, r.limit = old[:len(old):len(old)], 0, limit
}
