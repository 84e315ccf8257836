package democity

import (
	"encoding/binary"
	"encoding/json"
	"sort"
)

// A minimal PMTiles v3 writer: one root directory, no compression, tiles
// stored in tile-ID order. Enough for a city; a county comes from
// `pmtiles extract` instead (docs/wallmap.md).

type tile struct {
	z, x, y int
	data    []byte
}

// zxyToID is the PMTiles tile ID: the tiles of all lower zooms, then the
// position on the Hilbert curve at this zoom.
func zxyToID(z, x, y int) uint64 {
	acc := (uint64(1)<<(2*uint(z)) - 1) / 3
	tx, ty := uint32(x), uint32(y)
	for s := uint32(1) << uint(max(z-1, 0)); z > 0 && s > 0; s >>= 1 {
		rx, ry := s&tx, s&ty
		acc += uint64((3*rx)^ry) * uint64(s)
		if ry == 0 {
			if rx != 0 {
				tx, ty = s-1-tx, s-1-ty
			}
			tx, ty = ty, tx
		}
	}
	return acc
}

type header struct {
	minZoom, maxZoom, centerZoom   int
	minLon, minLat, maxLon, maxLat float64
	centerLon, centerLat           float64
}

func writePMTiles(h header, tiles []tile, meta any) []byte {
	type entry struct {
		id           uint64
		offset, size uint64
	}
	sort.Slice(tiles, func(i, j int) bool {
		return zxyToID(tiles[i].z, tiles[i].x, tiles[i].y) < zxyToID(tiles[j].z, tiles[j].x, tiles[j].y)
	})
	var data []byte
	entries := make([]entry, 0, len(tiles))
	for _, t := range tiles {
		entries = append(entries, entry{zxyToID(t.z, t.x, t.y), uint64(len(data)), uint64(len(t.data))})
		data = append(data, t.data...)
	}
	// directory: count, then id deltas, run lengths, lengths, offsets
	// (0 means "right after the previous tile", else offset+1)
	dir := binary.AppendUvarint(nil, uint64(len(entries)))
	var last uint64
	for _, e := range entries {
		dir = binary.AppendUvarint(dir, e.id-last)
		last = e.id
	}
	for range entries {
		dir = binary.AppendUvarint(dir, 1)
	}
	for _, e := range entries {
		dir = binary.AppendUvarint(dir, e.size)
	}
	for i, e := range entries {
		if i > 0 && e.offset == entries[i-1].offset+entries[i-1].size {
			dir = binary.AppendUvarint(dir, 0)
		} else {
			dir = binary.AppendUvarint(dir, e.offset+1)
		}
	}
	metaJSON, _ := json.Marshal(meta)

	const headerLen = 127
	out := make([]byte, headerLen)
	copy(out, "PMTiles")
	out[7] = 3
	le := binary.LittleEndian
	rootOff := uint64(headerLen)
	metaOff := rootOff + uint64(len(dir))
	dataOff := metaOff + uint64(len(metaJSON))
	le.PutUint64(out[8:], rootOff)
	le.PutUint64(out[16:], uint64(len(dir)))
	le.PutUint64(out[24:], metaOff)
	le.PutUint64(out[32:], uint64(len(metaJSON)))
	le.PutUint64(out[40:], dataOff) // no leaf directories
	le.PutUint64(out[48:], 0)
	le.PutUint64(out[56:], dataOff)
	le.PutUint64(out[64:], uint64(len(data)))
	le.PutUint64(out[72:], uint64(len(entries)))
	le.PutUint64(out[80:], uint64(len(entries)))
	le.PutUint64(out[88:], uint64(len(entries)))
	out[96] = 1 // clustered: tiles in ID order
	out[97] = 1 // internal compression: none
	out[98] = 1 // tile compression: none
	out[99] = 1 // tile type: MVT
	out[100], out[101] = byte(h.minZoom), byte(h.maxZoom)
	e7 := func(v float64) uint32 { return uint32(int32(v * 1e7)) }
	le.PutUint32(out[102:], e7(h.minLon))
	le.PutUint32(out[106:], e7(h.minLat))
	le.PutUint32(out[110:], e7(h.maxLon))
	le.PutUint32(out[114:], e7(h.maxLat))
	out[118] = byte(h.centerZoom)
	le.PutUint32(out[119:], e7(h.centerLon))
	le.PutUint32(out[123:], e7(h.centerLat))
	out = append(out, dir...)
	out = append(out, metaJSON...)
	return append(out, data...)
}
