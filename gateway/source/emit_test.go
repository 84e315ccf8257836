package source

import (
	"bytes"
	"testing"
	"time"

	"radiogw/gateway/frame"
)

// Frames cut from a shared slab must stay independent: the read buffer is
// reused, and a consumer appending to one frame's Data must not change the next.
func TestEmitCopiesAreIndependent(t *testing.T) {
	e := &emitter{name: "src"}
	var got []frame.Frame
	h := Hooks{Emit: func(f frame.Frame) { got = append(got, f) }}.withDefaults()
	buf := make([]byte, 0, 64)
	want := [][]byte{}
	for i := range 5000 { // crosses several slabs
		buf = append(buf[:0], bytes.Repeat([]byte{byte('a' + i%26)}, 1+i%40)...)
		want = append(want, append([]byte(nil), buf...))
		e.emit(h, "peer", buf, time.Time{})
		buf[0] = '!' // the reader reuses its buffer
	}
	big := bytes.Repeat([]byte("x"), slabSize)
	e.emit(h, "peer", big, time.Time{})
	want = append(want, big)
	_ = append(got[0].Data, "tail"...) // must not spill into frame 1
	for i, f := range got {
		if !bytes.Equal(f.Data, want[i]) {
			t.Fatalf("frame %d: got %q, want %q", i, f.Data, want[i])
		}
		if f.Seq != uint64(i+1) {
			t.Fatalf("frame %d: seq %d", i, f.Seq)
		}
	}
}
