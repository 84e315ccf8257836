package source

import (
	"net/url"
	"strings"
)

// DiscardBadRequest counts an http report whose parameters do not parse.
const DiscardBadRequest = "bad_request"

// HTTPReport maps one request of the http source (gateway/httpsource) to
// its frame's data: a JSON POST body as it is; otherwise the URL
// parameters, then a POST body's, URL-encoded again without the token, so
// the secret goes no further (decode errors log the frame). body is what
// the request carried (nil for a GET). token is the one the request
// offers as a parameter, for the source to check; discard names why the
// request makes no frame (DiscardOversize, DiscardBadRequest), "" when it
// does. A function of its own so the codecs' golden runner cuts recorded
// requests exactly as the source does.
func HTTPReport(method, contentType, rawQuery string, body []byte, maxFrame int) (data []byte, token, discard string) {
	if IsJSONReport(method, contentType) {
		if len(body) > maxFrame {
			return nil, "", DiscardOversize
		}
		q, _ := url.ParseQuery(rawQuery)
		return body, q.Get("token"), ""
	}
	params := rawQuery
	if method == "POST" && len(body) > 0 {
		params = strings.TrimPrefix(params+"&"+string(body), "&")
	}
	if len(params) > maxFrame {
		return nil, "", DiscardOversize
	}
	v, err := url.ParseQuery(params)
	if err != nil {
		return nil, "", DiscardBadRequest
	}
	token = v.Get("token")
	v.Del("token")
	return []byte(v.Encode()), token, ""
}

// IsJSONReport says whether a request carries a JSON report (a Traccar
// server's position forwarder) rather than URL parameters.
func IsJSONReport(method, contentType string) bool {
	return method == "POST" && (contentType == "application/json" || strings.HasPrefix(contentType, "application/json;"))
}
