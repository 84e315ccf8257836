package avl

import (
	"testing"
	"unsafe"
)

// Every tracked unit's state is held in memory: at 100,000 units each size
// class up (416 to 448 bytes) costs 3 MB. Grow it only knowingly.
func TestUnitStateFitsItsSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(unitState{}); n > 416 {
		t.Fatalf("unitState is %d bytes, past the 416-byte size class", n)
	}
}
