//go:build faults

package main

import "testing"

func TestFaultCrashRestartNoRollback(t *testing.T) { faultCrashRestart(t, 200) }
