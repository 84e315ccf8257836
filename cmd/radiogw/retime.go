package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// retimer moves the fix times of NMEA sentences in a capture by one fixed
// offset, so that `radiogw replay -live` shows a recorded drive as if it
// were happening now. The first dated sentence (RMC, ZDA) sets the offset:
// now minus its time. Lines before it, and lines it cannot read, go out
// unchanged. Other protocols are sent as recorded.
type retimer struct {
	now    time.Time
	offset time.Duration
	set    bool
}

// line returns s with its time fields shifted, and its checksum redone.
func (r *retimer) line(s string) string {
	i := strings.IndexByte(s, '$')
	if i < 0 || len(s) < i+7 {
		return s
	}
	prefix, body := s[:i+1], s[i+1:]
	tail := ""
	if star := strings.IndexByte(body, '*'); star >= 0 {
		body, tail = body[:star], body[star:]
	}
	f := strings.Split(body, ",")
	var timeField, dateField int = -1, -1
	switch typ := f[0][min(2, len(f[0])):]; typ {
	case "RMC":
		timeField, dateField = 1, 9
	case "GGA", "GNS":
		timeField = 1
	case "GLL":
		timeField = 5
	case "ZDA":
		timeField = 1
	default:
		return s
	}
	if timeField >= len(f) || dateField >= len(f) {
		return s
	}
	tod, frac, ok := readTOD(f[timeField])
	if !ok {
		return s
	}
	var date time.Time
	haveDate := false
	switch {
	case dateField > 0 && len(f[dateField]) == 6:
		if d, err := time.Parse("020106", f[dateField]); err == nil {
			date, haveDate = d, true
		}
	case f[0][min(2, len(f[0])):] == "ZDA" && len(f) > 4:
		if d, err := time.Parse("02 01 2006", f[2]+" "+f[3]+" "+f[4]); err == nil {
			date, haveDate = d, true
		}
	}
	if !r.set {
		if !haveDate {
			return s
		}
		r.offset, r.set = r.now.Sub(date.Add(tod)).Truncate(time.Second), true
	}
	var at time.Time
	if haveDate {
		at = date.Add(tod).Add(r.offset)
	} else {
		at = time.Time{}.Add(tod).Add(r.offset % (24 * time.Hour))
	}
	f[timeField] = at.Format("150405") + frac
	if haveDate && dateField > 0 {
		f[dateField] = at.Format("020106")
	} else if haveDate {
		f[2], f[3], f[4] = at.Format("02"), at.Format("01"), at.Format("2006")
	}
	out := strings.Join(f, ",")
	if tail != "" {
		var sum byte
		for k := 0; k < len(out); k++ {
			sum ^= out[k]
		}
		rest := ""
		if len(tail) > 3 {
			rest = tail[3:]
		}
		tail = fmt.Sprintf("*%02X%s", sum, rest)
	}
	return prefix + out + tail
}

// readTOD reads hhmmss[.sss] as a duration and keeps the fraction's text.
func readTOD(s string) (time.Duration, string, bool) {
	if len(s) < 6 {
		return 0, "", false
	}
	h, e1 := strconv.Atoi(s[0:2])
	m, e2 := strconv.Atoi(s[2:4])
	sec, e3 := strconv.Atoi(s[4:6])
	if e1 != nil || e2 != nil || e3 != nil || h > 23 || m > 59 || sec > 60 {
		return 0, "", false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second, s[6:], true
}
