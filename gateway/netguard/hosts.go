package netguard

import (
	"net"
	"os"
	"strings"
)

// Hosts decides which Host header values a server answers to. A page served
// through DNS rebinding reaches a loopback or LAN listener under the
// attacker's own domain name, and the browser then treats radiogw as part
// of that page's origin; refusing unknown names stops it. IP literals
// cannot be rebound, so they always pass, as do localhost, this machine's
// name and the configured names.
type Hosts struct {
	names map[string]bool
}

// NewHosts allows the given names besides the defaults.
func NewHosts(extra []string) Hosts {
	h := Hosts{names: map[string]bool{"localhost": true}}
	if name, err := os.Hostname(); err == nil && name != "" {
		h.add(name)
		if short, _, ok := strings.Cut(name, "."); ok {
			h.add(short)
		}
	}
	for _, n := range extra {
		h.add(n)
	}
	return h
}

func (h Hosts) add(name string) { h.names[normalHost(name)] = true }

// Allowed reports whether a Host header (name or name:port) is one of ours.
// An empty Host (HTTP/1.0) is allowed: no browser sends one.
func (h Hosts) Allowed(hostport string) bool {
	if hostport == "" {
		return true
	}
	host := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		host = hh
	}
	host = strings.Trim(host, "[]")
	if net.ParseIP(host) != nil {
		return true
	}
	if h.names == nil {
		return strings.EqualFold(host, "localhost")
	}
	return h.names[normalHost(host)]
}

func normalHost(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}
