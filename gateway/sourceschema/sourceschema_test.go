package sourceschema

import "testing"

func TestOneOf(t *testing.T) {
	for _, c := range []struct {
		in   []int
		want string
	}{{[]int{5, 6, 7, 8}, "5, 6, 7 or 8"}, {[]int{1, 2}, "1 or 2"}, {[]int{1}, "1"}, {nil, ""}} {
		if got := oneOf(c.in); got != c.want {
			t.Errorf("oneOf(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
