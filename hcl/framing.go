package hcl

import "slices"

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
	limit := sch.MaxFrame(r.Type, s.Framing)
	switch {
	case s.MaxFrame == 0:
		s.MaxFrame = t.DefaultMaxFrame
	case s.MaxFrame > limit:
		b.d.add(r.MaxFrameRange, "Invalid value for max_frame",
			"max_frame = %d is over the limit of source type %q with framing %q: at most %d bytes.",
			s.MaxFrame, r.Type, s.Framing, limit)
	}
}
