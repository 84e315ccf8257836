// Command glyphgen writes the wall map's label font as MapLibre glyph
// ranges (signed distance fields in protocol buffers), so labels render
// with no font server and no internet: call signs, street names, beats.
//
// It is its own module so that golang.org/x/image stays out of radiogw's
// build; its output is committed under static/glyphs. Run from this
// directory: go run . ../static/glyphs
//
// The field is computed as TinySDF computes it (MapLibre's own local glyph
// renderer): 24 px glyphs, a 3 px buffer, radius 8, cutoff 0.25.
package main

import (
	"fmt"
	"image"
	"image/draw"
	"math"
	"os"
	"path/filepath"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

const (
	fontStack = "GoBold"
	size      = 24
	buffer    = 3
	radius    = 8
	cutoff    = 0.25
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: glyphgen OUTDIR")
		os.Exit(2)
	}
	f, err := opentype.Parse(gobold.TTF)
	if err != nil {
		fail(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		fail(err)
	}
	dir := filepath.Join(os.Args[1], fontStack)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fail(err)
	}
	for start := 0; start < 512; start += 256 {
		var glyphs []byte
		for r := rune(start); r < rune(start+256); r++ {
			if g, ok := glyph(face, r); ok {
				glyphs = appendBytes(glyphs, 3, g)
			}
		}
		rng := fmt.Sprintf("%d-%d", start, start+255)
		var stack []byte
		stack = appendBytes(stack, 1, []byte(fontStack))
		stack = appendBytes(stack, 2, []byte(rng))
		stack = append(stack, glyphs...)
		out := appendBytes(nil, 1, stack)
		if err := os.WriteFile(filepath.Join(dir, rng+".pbf"), out, 0o644); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "glyphgen:", err)
	os.Exit(1)
}

// glyph encodes one glyph message: id, bitmap, width, height, left, top, advance.
func glyph(face font.Face, r rune) ([]byte, bool) {
	if r < 32 || r >= 127 && r < 160 {
		return nil, false
	}
	bounds, adv, ok := face.GlyphBounds(r)
	if !ok {
		return nil, false
	}
	minX, minY := bounds.Min.X.Floor(), bounds.Min.Y.Floor()
	maxX, maxY := bounds.Max.X.Ceil(), bounds.Max.Y.Ceil()
	w, h := max(maxX-minX, 0), max(maxY-minY, 0)
	var m []byte
	b := appendVarint(nil, 1, uint64(r))
	if w > 0 && h > 0 {
		W, H := w+2*buffer, h+2*buffer
		alpha := image.NewAlpha(image.Rect(0, 0, W, H))
		dot := fixed.Point26_6{X: fixed.I(buffer - minX), Y: fixed.I(buffer - minY)}
		dr, mask, mp, _, ok := face.Glyph(dot, r)
		if ok {
			draw.DrawMask(alpha, dr, image.Opaque, image.Point{}, mask, mp, draw.Over)
		}
		m = sdf(alpha.Pix, W, H)
		b = appendBytes(b, 2, m)
	}
	b = appendVarint(b, 3, uint64(w))
	b = appendVarint(b, 4, uint64(h))
	b = appendVarint(b, 5, zigzag(minX))
	// top: distance of the glyph's top above the baseline, shifted the way
	// MapLibre's glyph servers shift it (the ascender of a 24 px em)
	b = appendVarint(b, 6, zigzag(-minY-size))
	b = appendVarint(b, 7, uint64(adv.Round()))
	return b, true
}

// sdf turns coverage into TinySDF's distance field.
func sdf(alpha []byte, w, h int) []byte {
	const inf = 1e20
	n := w * h
	outer, inner := make([]float64, n), make([]float64, n)
	for i, a8 := range alpha {
		a := float64(a8) / 255
		switch {
		case a == 1:
			outer[i], inner[i] = 0, inf
		case a == 0:
			outer[i], inner[i] = inf, 0
		default:
			d := 0.5 - a
			outer[i], inner[i] = max(d, 0)*max(d, 0), min(d, 0)*min(d, 0)
		}
	}
	edt(outer, w, h)
	edt(inner, w, h)
	out := make([]byte, n)
	for i := range out {
		d := math.Sqrt(outer[i]) - math.Sqrt(inner[i])
		out[i] = byte(math.Max(0, math.Min(255, math.Round(255-255*(d/radius+cutoff)))))
	}
	return out
}

// edt is the 2-D squared Euclidean distance transform of Felzenszwalb and
// Huttenlocher, in place: columns, then rows.
func edt(g []float64, w, h int) {
	n := max(w, h)
	f, d := make([]float64, n), make([]float64, n)
	v, z := make([]int, n), make([]float64, n+1)
	for x := range w {
		for y := range h {
			f[y] = g[y*w+x]
		}
		edt1(f, d, v, z, h)
		for y := range h {
			g[y*w+x] = d[y]
		}
	}
	for y := range h {
		copy(f, g[y*w:y*w+w])
		edt1(f, d, v, z, w)
		copy(g[y*w:y*w+w], d[:w])
	}
}

func edt1(f, d []float64, v []int, z []float64, n int) {
	const inf = 1e20
	k := 0
	v[0], z[0], z[1] = 0, -inf, inf
	for q := 1; q < n; q++ {
		s := ((f[q] + float64(q*q)) - (f[v[k]] + float64(v[k]*v[k]))) / float64(2*q-2*v[k])
		for s <= z[k] {
			k--
			s = ((f[q] + float64(q*q)) - (f[v[k]] + float64(v[k]*v[k]))) / float64(2*q-2*v[k])
		}
		k++
		v[k], z[k], z[k+1] = q, s, inf
	}
	k = 0
	for q := range n {
		for z[k+1] < float64(q) {
			k++
		}
		d[q] = float64((q-v[k])*(q-v[k])) + f[v[k]]
	}
}

func zigzag(v int) uint64 { return uint64((v << 1) ^ (v >> 63)) }

func appendVarint(b []byte, field int, v uint64) []byte {
	b = appendUvarint(b, uint64(field<<3))
	return appendUvarint(b, v)
}

func appendBytes(b []byte, field int, p []byte) []byte {
	b = appendUvarint(b, uint64(field<<3|2))
	b = appendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}
