//go:build unix

package source

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time: on a shared machine ns/op
// counts time spent waiting for a core, cpu-ns/op does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
