package runtime

import (
	"testing"

	"radiogw/avl"
	"radiogw/hcl"
)

// TestTrackerConfigBreadcrumbs: the HCL setting reaches the tracker, and
// breadcrumbs = 0 means no trail rather than the tracker's default.
func TestTrackerConfigBreadcrumbs(t *testing.T) {
	if hcl.DefaultBreadcrumbs != avl.DefaultBreadcrumbs || hcl.MaxBreadcrumbs != avl.MaxBreadcrumbs {
		t.Fatalf("hcl and avl disagree: default %d/%d, max %d/%d", hcl.DefaultBreadcrumbs, avl.DefaultBreadcrumbs, hcl.MaxBreadcrumbs, avl.MaxBreadcrumbs)
	}
	for _, c := range []struct{ hcl, avl int }{{0, avl.NoBreadcrumbs}, {20, 20}, {hcl.DefaultBreadcrumbs, hcl.DefaultBreadcrumbs}} {
		ac, _, err := trackerConfigs(&hcl.Config{Breadcrumbs: c.hcl})
		if err != nil {
			t.Fatal(err)
		}
		if ac.Breadcrumbs != c.avl {
			t.Errorf("breadcrumbs = %d: tracker gets %d, want %d", c.hcl, ac.Breadcrumbs, c.avl)
		}
	}
}
