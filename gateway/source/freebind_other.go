//go:build !linux

package source

import "syscall"

// bindControl: IP_FREEBIND is Linux-only; elsewhere the address must be
// present when the source starts (the source retries its bind with backoff).
func bindControl(bool) func(network, address string, c syscall.RawConn) error { return nil }
