package lrrp

import "testing"

func TestDeviceID(t *testing.T) {
	for _, c := range []struct{ peer, want string }{
		{"12.0.0.139:4001", "139"},
		{"12.0.4.210:4001", "1234"},
		{"13.1.2.3:4005", "66051"},
		{"12.255.255.255:1", "16777215"},
		{"[::ffff:12.0.4.210]:4001", "1234"},
		{"12.0.4.210", "1234"}, // bare host
		{"192.168.1.5:4001", "192.168.1.5"},
		{"11.0.4.210:4001", "11.0.4.210"},
		{"[2001:db8::1]:4001", "2001:db8::1"},
		{"gateway-a", "gateway-a"},
		{"", ""},
	} {
		if got := DeviceID(c.peer); got != c.want {
			t.Errorf("DeviceID(%q) = %q, want %q", c.peer, got, c.want)
		}
	}
}

func TestRadioAddress(t *testing.T) {
	if got := RadioAddress(1234, CAIRadios); got != "12.0.4.210" {
		t.Errorf("RadioAddress(1234, 12) = %q", got)
	}
	if got := RadioAddress(0x1FFFFFF, CAIServers); got != "13.255.255.255" {
		t.Errorf("25-bit ID: %q", got)
	}
	for _, id := range []uint32{0, 1, 139, 1234, 66051, 1<<24 - 1} {
		got, ok := RadioID(RadioAddress(id, CAIRadios) + ":4001")
		if !ok || got != id {
			t.Errorf("round trip %d -> %d %v", id, got, ok)
		}
	}
}
