package influx

import "testing"

func TestCompressUnlessLoopback(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		url  string
		conf *bool
		want bool
	}{
		{"http://127.0.0.1:8086", nil, false},
		{"http://localhost:8086", nil, false},
		{"http://[::1]:8086", nil, false},
		{"http://127.0.0.53:8086", nil, false},
		{"http://influx.example:8086", nil, true},
		{"https://10.2.0.7:8086", nil, true},
		{"http://127.0.0.1:8086", &yes, true},
		{"https://influx.example", &no, false},
		{"http://%zz", nil, true},
	} {
		if got := compress(c.url, c.conf); got != c.want {
			t.Errorf("compress(%q, %v) = %v, want %v", c.url, c.conf, got, c.want)
		}
	}
}
