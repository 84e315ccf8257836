package outbox

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"time"
)

// A record on disk is
//
//	uint32 body length | uint32 CRC-32C of body | body
//	body: uint64 index | uint8 class | int64 time (ns) | int64 appended (ns) | data
//
// all little endian. The checksum covers the whole body, so a torn write or a
// flipped bit is found on replay rather than sent to the destination.
const (
	headerLen  = 8
	bodyFixed  = 8 + 1 + 8 + 8
	maxBodyLen = 64 << 20 // a larger length can only be garbage
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errBadRecord marks an unreadable record: short, oversized or failing its checksum.
var errBadRecord = errors.New("bad record")

// zeroTime stands for time.Time{} on disk (its UnixNano is out of range).
const zeroTime = math.MinInt64

func timeNs(t time.Time) int64 {
	if t.IsZero() {
		return zeroTime
	}
	return t.UnixNano()
}

func nsTime(ns int64) time.Time {
	if ns == zeroTime {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// recordLen is the on-disk size of an entry carrying data.
func recordLen(data []byte) int64 { return int64(headerLen + bodyFixed + len(data)) }

// appendRecord encodes one record onto dst.
func appendRecord(dst []byte, index uint64, class Class, t, appended time.Time, data []byte) []byte {
	start := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(bodyFixed+len(data)))
	dst = binary.LittleEndian.AppendUint32(dst, 0) // checksum, filled below
	body := len(dst)
	dst = binary.LittleEndian.AppendUint64(dst, index)
	dst = append(dst, byte(class))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(timeNs(t)))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(timeNs(appended)))
	dst = append(dst, data...)
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(dst[body:], castagnoli))
	return dst
}

// record is a decoded record; data aliases the buffer it was decoded from.
type record struct {
	index    uint64
	class    Class
	time     int64
	appended int64
	data     []byte
	size     int64 // bytes on disk, header included
}

// parseHeader returns the body length announced by a header.
func parseHeader(h []byte) (int, error) {
	n := binary.LittleEndian.Uint32(h)
	if n < bodyFixed || n > maxBodyLen {
		return 0, errBadRecord
	}
	return int(n), nil
}

// decodeBody checks and decodes a body whose header is h.
func decodeBody(h, body []byte) (record, error) {
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(h[4:]) {
		return record{}, errBadRecord
	}
	return record{
		index:    binary.LittleEndian.Uint64(body),
		class:    Class(body[8]),
		time:     int64(binary.LittleEndian.Uint64(body[9:])),
		appended: int64(binary.LittleEndian.Uint64(body[17:])),
		data:     body[bodyFixed:],
		size:     int64(headerLen + len(body)),
	}, nil
}

func (r *record) entry() Entry {
	return Entry{Index: r.index, Class: r.class, Time: nsTime(r.time), Data: append([]byte(nil), r.data...)}
}
