package source

import "testing"

func TestHTTPReport(t *testing.T) {
	for _, c := range []struct {
		name, method, ct, query, body string
		max                           int
		data, token, discard          string
	}{
		{"get", "GET", "", "id=1&lat=2&token=s", "", 100, "id=1&lat=2", "s", ""},
		{"get ignores a body", "GET", "", "id=1", "lat=2", 100, "id=1", "", ""},
		{"form post joins query and body", "POST", "application/x-www-form-urlencoded", "token=s", "id=1&lat=2", 100, "id=1&lat=2", "s", ""},
		{"form post body only", "POST", "", "", "id=1", 100, "id=1", "", ""},
		{"json kept as it is", "POST", "application/json; charset=utf-8", "token=s", `{"id":"1"}`, 100, `{"id":"1"}`, "s", ""},
		{"json over max_frame", "POST", "application/json", "", `{"id":"1"}`, 5, "", "", DiscardOversize},
		{"parameters over max_frame", "GET", "", "id=123456", "", 5, "", "", DiscardOversize},
		{"malformed", "GET", "", "id=%zz", "", 100, "", "", DiscardBadRequest},
	} {
		data, token, discard := HTTPReport(c.method, c.ct, c.query, []byte(c.body), c.max)
		if string(data) != c.data || token != c.token || discard != c.discard {
			t.Errorf("%s: got %q, %q, %q; want %q, %q, %q", c.name, data, token, discard, c.data, c.token, c.discard)
		}
	}
}
