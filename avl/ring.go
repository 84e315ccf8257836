package avl

// ring keeps the last n accepted fixes of a unit, as crumbs, in fix-time
// order. It grows on demand up to its limit so quiet units cost little, then
// wraps.
type ring struct {
	buf    []crumb
	start  int32 // index of the oldest crumb once buf is full
	limit  int32 // at most MaxBreadcrumbs; 32 bits keep a unit's state in its size class
	shared bool  // buf is also held by a snapshot capture: copy before changing it
}

func (r *ring) len() int { return len(r.buf) }

// at returns the i-th oldest crumb.
func (r *ring) at(i int) *crumb { return &r.buf[(int(r.start)+i)%len(r.buf)] }

// push adds a crumb, keeping time order; one older than every kept crumb when
// the ring is full is dropped, as is every crumb when the limit is 0. It
// reports whether the crumb was kept.
func (r *ring) push(c crumb) bool {
	n := len(r.buf)
	if r.limit <= 0 {
		return false
	}
	// Find the logical position: after every crumb not newer than c.
	pos := n
	for pos > 0 && r.at(pos-1).t > c.t {
		pos--
	}
	r.own()
	if n < int(r.limit) {
		// Still growing: start is 0, buf is in logical order.
		if n == cap(r.buf) {
			r.grow()
		}
		r.buf = r.buf[:n+1]
		copy(r.buf[pos+1:], r.buf[pos:n])
		r.buf[pos] = c
		return true
	}
	if pos == 0 {
		return false
	}
	// Full: the oldest slot becomes the newest, then c moves back into place.
	*r.at(0) = c
	r.start = int32((int(r.start) + 1) % n)
	for i := n - 1; i > pos-1; i-- {
		*r.at(i) = *r.at(i - 1)
	}
	*r.at(pos - 1) = c
	return true
}

// own gives the ring a buffer of its own if a capture shares the current one:
// the capture is encoded on another goroutine while the tracker goes on, so
// the tracker copies one unit's crumbs on its next fix instead of every
// unit's at capture time.
func (r *ring) own() {
	if r.shared {
		r.buf, r.shared = append(make([]crumb, 0, cap(r.buf)), r.buf...), false
	}
}

// share hands out the buffer and where its oldest crumb is, read-only: the
// ring copies it before its next change.
func (r *ring) share() ([]crumb, int) {
	r.shared = true
	return r.buf, int(r.start)
}

// grow doubles the capacity, never past the limit.
func (r *ring) grow() {
	c := 2 * cap(r.buf)
	if c < 4 {
		c = 4
	}
	if c > int(r.limit) {
		c = int(r.limit)
	}
	nb := make([]crumb, len(r.buf), c)
	copy(nb, r.buf)
	r.buf = nb
}

// hasTime reports whether a kept crumb has exactly this fix time.
func (r *ring) hasTime(t int64) bool {
	for i := len(r.buf) - 1; i >= 0; i-- {
		if r.buf[i].t == t {
			return true
		}
	}
	return false
}

// slice returns the crumbs oldest first, as a new slice.
func (r *ring) slice() []crumb {
	return append(append(make([]crumb, 0, len(r.buf)), r.buf[r.start:]...), r.buf[:r.start]...)
}

// resize changes the limit, keeping the newest crumbs.
func (r *ring) resize(limit int32) {
	old := r.slice()
	limit = max(limit, 0)
	if len(old) > int(limit) {
		old = old[len(old)-int(limit):]
	}
	r.buf, r.start, r.limit, r.shared = old[:len(old):len(old)], 0, limit, false
}

// movedOrDue reports whether a live fix at lat, lon and time t (Unix
// nanoseconds) earns a breadcrumb: it is stillCrumbM or more from the newest
// crumb, or stillCrumbEvery has passed since it.
func (r *ring) movedOrDue(lat, lon float64, t int64) bool {
	if len(r.buf) == 0 {
		return true
	}
	last := r.at(len(r.buf) - 1)
	if t-last.t >= int64(stillCrumbEvery) || t < last.t {
		return true
	}
	return haversineM(fromE7(last.lat), fromE7(last.lon), lat, lon) >= stillCrumbM
}
