//go:build faults

package main

import "testing"

// The wall faults at full length (wall_faults_test.go has the helpers and
// the short versions make test runs).

func TestFaultDiskFull8MiB(t *testing.T) { faultDiskFull(t, outage(), 200) }

func TestFaultBrokerReturnEmpty(t *testing.T) { faultBrokerReturn(t, outage(), 100) }

func TestFaultCrashRestartNoRollback(t *testing.T) { faultCrashRestart(t, 1000) }
