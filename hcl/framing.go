package hcl

import "slices"

// SourceSchema is the framing and frame-size part of the source schema:
// which framings exist, which ones each source type takes (its default
// first), its default and largest max_frame. The transports own it
// (gateway/source.SourceSchema); cmd/radiogw hands it over as plain data,
// as it hands over the codec names, so hcl checks a configuration with the
// rules a start applies and defines no framing, limit or default itself.
type SourceSchema struct {
	Framings        []string                    // every framing name
	Types           map[string]SourceTypeSchema // by source type
	FramingMaxFrame map[string]int              // a framing's own cap on max_frame
}

// SourceTypeSchema is what one source type takes.
type SourceTypeSchema struct {
	Framings        []string // the first is the default
	DefaultMaxFrame int
	MaxMaxFrame     int
}

// frames reads a source's framing and max_frame with Options.Sources.
// Without a schema for the type (none given, or an unknown type, which
// source() reports) both are kept as written, zero when absent.
func (b *builder) frames(s *Source, r *rawSource) {
	sch := b.opts.Sources
	s.MaxFrame = positive(b.d, r.MaxFrame, r.MaxFrameRange, "max_frame", 0)
	t, ok := sch.Types[r.Type]
	if !ok || len(t.Framings) == 0 {
		s.Framing = str(r.Framing, "")
		return
	}
	s.Framing = b.d.enum(r.Framing, r.FramingRange, "framing", t.Framings[0], sch.Framings...)
	if !slices.Contains(t.Framings, s.Framing) {
		b.d.add(r.FramingRange, "Invalid framing",
			"framing = %q does not apply to source type %q, which takes %s.", s.Framing, r.Type, quoteList(t.Framings))
		s.Framing = t.Framings[0]
	}
	limit := t.MaxMaxFrame
	if c, ok := sch.FramingMaxFrame[s.Framing]; ok {
		limit = min(limit, c)
	}
	switch {
	case s.MaxFrame == 0:
		s.MaxFrame = t.DefaultMaxFrame
	case s.MaxFrame > limit:
		b.d.add(r.MaxFrameRange, "Invalid value for max_frame",
			"max_frame = %d is over the limit of source type %q with framing %q: at most %d bytes.",
			s.MaxFrame, r.Type, s.Framing, limit)
	}
}
