package cor

import (
	"context"
	"fmt"
	"time"
)

// Poll samples src every interval until ctx ends (then it returns nil) or the
// source fails (then it returns the error). onChange is called from Poll's
// goroutine on every debounced edge. A failing source that was busy reports
// one last idle edge first, so an unplugged adapter never leaves a channel
// busy; the detector is reset, so polling again starts from idle.
func (d *Detector) Poll(ctx context.Context, src LineSource, every time.Duration, onChange func(busy bool, at time.Time)) error {
	if every <= 0 {
		return fmt.Errorf("cor: poll interval %v", every)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		l, err := src.Lines()
		now := time.Now()
		if err != nil {
			if d.busy {
				onChange(false, now)
			}
			d.Reset()
			return fmt.Errorf("cor: read %s: %w", d.cfg.Line, err)
		}
		if changed, busy := d.Sample(l, now); changed {
			onChange(busy, now)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
