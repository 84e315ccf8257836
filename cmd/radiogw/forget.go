package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"radiogw/gateway/api"
)

// cmdForget asks the running daemon to forget a unit: it leaves the tracker,
// the map and its retained MQTT topics. The daemon's HTTP address and write
// token come from the configuration.
func cmdForget(args []string, stdout, stderr io.Writer) int {
	fs, path := commandFlags("forget", stderr)
	addr := fs.String("addr", "", "the daemon's HTTP address (default: from the configuration's http { listen })")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: radiogw forget [-config FILE] [-addr URL] UNIT")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	unit := fs.Arg(0)
	cfg, err := loadConfig(*path)
	if err != nil {
		printConfigError(stderr, err)
		return 1
	}
	base := *addr
	if base == "" {
		host, port, err := net.SplitHostPort(cfg.HTTP.Listen)
		if err != nil {
			fmt.Fprintf(stderr, "radiogw forget: http listen %q: %v\n", cfg.HTTP.Listen, err)
			return 1
		}
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			host = "127.0.0.1"
		}
		base = "http://" + net.JoinHostPort(host, port)
	}
	req, err := http.NewRequest(http.MethodDelete, base+"/api/v1/units/"+url.PathEscape(unit), nil)
	if err != nil {
		fmt.Fprintf(stderr, "radiogw forget: %v\n", err)
		return 2
	}
	if tok := cfg.HTTP.Token.Value(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "radiogw forget: daemon not reachable at %s: %v\n", base, err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		json.Unmarshal(body, &e)
		fmt.Fprintf(stderr, "radiogw forget: %s: HTTP %d %s\n", unit, resp.StatusCode, e.Error)
		return 1
	}
	var res api.ForgetResult
	if err := json.Unmarshal(body, &res); err != nil {
		fmt.Fprintf(stderr, "radiogw forget: bad answer from %s: %v\n", base, err)
		return 1
	}
	if res.Tracked {
		fmt.Fprintf(stdout, "unit %s forgotten; its retained topics are being deleted\n", res.Unit)
	} else {
		fmt.Fprintf(stdout, "unit %s was not tracked; its retained topics, if any, are being deleted\n", res.Unit)
	}
	return 0
}
