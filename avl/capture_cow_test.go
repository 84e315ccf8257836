package avl

import (
	"bytes"
	"testing"
)

// A capture shares the rings' buffers; fixes applied after it (growing rings,
// late fixes inserted in the middle, full rings wrapping) must not show in
// what it encodes.
func TestCaptureUnchangedByLaterFixes(t *testing.T) {
	cfg := fenceConfig()
	cfg.Breadcrumbs = 8
	tr := NewTracker(cfg)
	for i := range 6 { // 4521 half full, 4531 full and wrapped
		tr.ApplyFix(fix("4521", float64(10*i), 0.0001*float64(i), 0))
	}
	for i := range 12 {
		tr.ApplyFix(fix("4531", float64(10*i), 0, 0.0001*float64(i)))
	}
	want := encodeAll(t, tr.Capture())
	c := tr.Capture()
	tr.ApplyFix(fix("4521", 200, 0.001, 0))  // grows in place
	tr.ApplyFix(fix("4521", 15, 0.0002, 0))  // late: inserted in the middle
	tr.ApplyFix(fix("4531", 200, 0, 0.001))  // wraps
	tr.ApplyFix(fix("4531", 105, 0, 0.0003)) // late into a full ring
	got := encodeAll(t, c)
	if !bytes.Equal(bytes.Join(got, []byte("\n")), bytes.Join(want, []byte("\n"))) {
		t.Fatalf("capture changed by later fixes:\n got %s\nwant %s", bytes.Join(got, []byte("\n")), bytes.Join(want, []byte("\n")))
	}
	if again := encodeAll(t, tr.Capture()); bytes.Equal(bytes.Join(again, nil), bytes.Join(want, nil)) {
		t.Fatal("a capture after the fixes does not show them")
	}
}
