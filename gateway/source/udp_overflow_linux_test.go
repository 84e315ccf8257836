package source

import (
	"encoding/binary"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// cmsg builds one control message as the kernel lays it out.
func cmsg(level, typ int32, data []byte) []byte {
	b := make([]byte, unix.CmsgSpace(len(data)))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = level, typ
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[unix.CmsgLen(0):], data)
	return b
}

func ovfl(n uint32) []byte {
	return cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, binary.NativeEndian.AppendUint32(nil, n))
}

func TestOverflowCount(t *testing.T) {
	other := cmsg(unix.SOL_SOCKET, unix.SO_TIMESTAMP, make([]byte, 16))
	cases := []struct {
		oob  []byte
		want uint32
		ok   bool
	}{
		{nil, 0, false},
		{ovfl(7), 7, true},
		{append(other, ovfl(1<<32-1)...), 1<<32 - 1, true},
		{other, 0, false},
		{ovfl(7)[:10], 0, false}, // cut inside the header
	}
	for i, c := range cases {
		if got, ok := overflowCount(c.oob); got != c.want || ok != c.ok {
			t.Errorf("case %d: %d, %v; want %d, %v", i, got, ok, c.want, c.ok)
		}
	}
}

// FuzzOverflowCount: the in-place walk agrees with the standard library's
// parser (which allocates) on any control data, and never panics.
func FuzzOverflowCount(f *testing.F) {
	f.Add(ovfl(3))
	f.Add(append(cmsg(unix.SOL_SOCKET, unix.SO_TIMESTAMP, make([]byte, 16)), ovfl(1<<31)...))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, oob []byte) {
		got, ok := overflowCount(oob)
		msgs, err := syscall.ParseSocketControlMessage(oob)
		if err != nil {
			return // the walk may still have found the counter before the damage
		}
		var want uint32
		wantOK := false
		for _, m := range msgs {
			if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SO_RXQ_OVFL && len(m.Data) >= 4 {
				want, wantOK = binary.NativeEndian.Uint32(m.Data), true
				break
			}
		}
		if got != want || ok != wantOK {
			t.Fatalf("%x: %d, %v; syscall parser says %d, %v", oob, got, ok, want, wantOK)
		}
	})
}

// FuzzSockaddrAddrPort: any bytes give an address or the zero value,
// never a panic; well-formed IPv4 and IPv6 sockaddrs round-trip.
func FuzzSockaddrAddrPort(f *testing.F) {
	v4 := make([]byte, unix.SizeofSockaddrInet4)
	binary.NativeEndian.PutUint16(v4, unix.AF_INET)
	binary.BigEndian.PutUint16(v4[2:], 4001)
	copy(v4[4:], []byte{192, 0, 2, 7})
	v6 := make([]byte, unix.SizeofSockaddrInet6)
	binary.NativeEndian.PutUint16(v6, unix.AF_INET6)
	binary.BigEndian.PutUint16(v6[2:], 5000)
	copy(v6[8:], []byte{0x20, 0x01, 0x0d, 0xb8, 15: 1})
	f.Add(v4)
	f.Add(v6)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ap := sockaddrAddrPort(b)
		if !ap.IsValid() {
			return
		}
		if len(b) < 4 || ap.Port() != binary.BigEndian.Uint16(b[2:4]) {
			t.Fatalf("%x: port %d", b, ap.Port())
		}
		switch binary.NativeEndian.Uint16(b) {
		case unix.AF_INET:
			if a := ap.Addr().As4(); !ap.Addr().Is4() || string(a[:]) != string(b[4:8]) {
				t.Fatalf("%x: address %v", b, ap.Addr())
			}
		case unix.AF_INET6:
			if a := ap.Addr().As16(); !ap.Addr().Is6() || string(a[:]) != string(b[8:24]) {
				t.Fatalf("%x: address %v", b, ap.Addr())
			}
		default:
			t.Fatalf("%x: family %d gave %v", b, binary.NativeEndian.Uint16(b), ap)
		}
	})
}
