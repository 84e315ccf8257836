package runtime

import (
	"errors"
	"fmt"
	"time"

	"radiogw/avl"
	"radiogw/gateway/change"
	"radiogw/gateway/pipeline"
	"radiogw/gateway/publish/outbox"
	"radiogw/hcl"
)

// The runtime's side of the tracker goroutine: what it reads of the
// configuration, where its batches go, and the runtime's own once-a-second
// work (outbox gauges, InfluxDB health points, the systemd status line).

// pipelineSettings is what the pipeline reads of cfg.
func pipelineSettings(cfg *hcl.Config) pipeline.Settings {
	ids := map[string]pipeline.Identity{}
	for _, s := range cfg.Sources {
		switch {
		case s.DeviceID != "":
			ids[s.Name] = pipeline.Identity{ID: s.DeviceID, Kind: avl.AVLID}
		case s.Unit != "":
			ids[s.Name] = pipeline.Identity{ID: s.Unit, Kind: avl.CallSign}
		}
	}
	return pipeline.Settings{DataDir: cfg.DataDir, SnapshotEvery: cfg.Storage.SnapshotEvery,
		UnlistedPerSource: cfg.Unlisted.MaxPerSource, UnlistedTotal: cfg.Unlisted.MaxTotal, SourceIDs: ids}
}

// output hands one tracker step's changes to every sink. A sink's Write only touches
// its outbox or memory, so a broker or InfluxDB outage never stalls this.
func (d *Daemon) output(b change.Batch) {
	for _, s := range d.sinks {
		sb := b
		if s == change.Sink(d.mqtt) {
			sb = d.mqttBatch(b)
		}
		err := s.Write(sb)
		switch {
		case errors.Is(err, outbox.ErrOverflow):
			// The batch is on disk, but older events had to go: an alarm,
			// never silent.
			d.metrics.Drops.WithLabelValues("sink_"+s.Name(), "event_overflow").Inc()
			d.logs.Error(d.log, "overflow_"+s.Name(), "OUTBOX FULL: oldest events dropped; the destination has been unreachable too long or the cap is too small",
				"sink", s.Name(), "err", err)
		case errors.Is(err, change.ErrNotDurable):
			// Delivered from memory; the sink counted what is not durable
			// (radiogw_sink_not_durable_total) and radiogw_outbox_write_failing alarms.
			d.logs.Error(d.log, "write_"+s.Name(), "OUTBOX NOT WRITABLE: live state and events go out from memory only, a crash would lose them",
				"sink", s.Name(), "err", err)
		case err != nil:
			d.metrics.Drops.WithLabelValues("sink_"+s.Name(), "write_error").Inc()
			d.logs.Error(d.log, "write_"+s.Name(), "sink write failed", "sink", s.Name(), "err", err)
		}
	}
	// A raw-ID unit merged into its call sign (the roster learned its ID)
	// must not linger on the map under its old topic.
	for i := range b.Units {
		if c := &b.Units[i]; c.Kind == avl.UnitRemoved && d.mqtt != nil {
			d.mqtt.Forget(c.Unit.ID)
		}
	}
}

// tick runs on the tracker goroutine once a second.
func (d *Daemon) tick(now time.Time) {
	d.outboxGauges()
	d.writeHealth(now)
	d.serviceStatus(now)
}

func (d *Daemon) outboxGauges() {
	for name, o := range d.outboxes {
		st := o.Stats()
		d.metrics.OutboxDepth.WithLabelValues(name).Set(float64(st.Depth))
		age := 0.0
		if !st.OldestTime.IsZero() {
			age = time.Since(st.OldestTime).Seconds()
		}
		d.metrics.OutboxAge.WithLabelValues(name).Set(age)
		failing := 0.0
		if st.WriteFailing {
			failing = 1
		}
		d.metrics.OutboxFailing.WithLabelValues(name).Set(failing)
		for reason, n := range st.Dropped {
			// Stats are cumulative since Open; the counter follows them.
			key := name + "\x00" + reason
			if seen := d.outboxDropSeen[key]; n > seen {
				d.metrics.OutboxDropped.WithLabelValues(name, reason).Add(float64(n - seen))
				d.outboxDropSeen[key] = n
			}
		}
	}
}

func (d *Daemon) resolveRadio(radioID string) string {
	if m := d.radioNames.Load(); m != nil {
		if id, ok := (*m)[radioID]; ok {
			return id
		}
	}
	return radioID
}

// serviceStatus keeps the line `systemctl status radiogw` shows current.
func (d *Daemon) serviceStatus(now time.Time) {
	if now.Sub(d.lastStatus) < 10*time.Second {
		return
	}
	d.lastStatus = now
	counts, _ := d.pipe.Units().Counts()
	upCount, total := 0, 0
	d.srcMu.Lock()
	for _, rs := range d.sources {
		total++
		if up, _, _ := rs.state(); up {
			upCount++
		}
	}
	d.srcMu.Unlock()
	d.notify.Status(fmt.Sprintf("sources %d/%d up; units fresh %d, aging %d, stale %d, lost %d; emergencies %d",
		upCount, total, counts[avl.Fresh], counts[avl.Aging], counts[avl.Stale], counts[avl.Lost], len(d.pipe.Channels().Emergencies())))
}
