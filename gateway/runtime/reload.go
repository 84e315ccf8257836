package runtime

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"radiogw/gateway/change"
	"radiogw/hcl"
)

// Reload applies a new, already validated configuration without losing unit
// state: trackers are reconfigured in place, sources that changed are
// restarted, the rest keep running. Sink and broker settings need a restart;
// a change to them is reported, not applied.
func (d *Daemon) Reload(ctx context.Context, cfg *hcl.Config) error {
	d.notify.Reloading()
	defer d.notify.Ready()
	ac, cc, err := trackerConfigs(cfg)
	if err != nil {
		d.metrics.Reloads.WithLabelValues("rejected").Inc()
		return fmt.Errorf("reload: %w", err)
	}
	// Build the new sources before touching anything, so a source that
	// cannot be built rejects the whole reload.
	old := d.config()
	unchanged := unchangedSources(old, cfg)
	var fresh []*runningSource
	for _, s := range cfg.Sources {
		if unchanged[s.Name] {
			continue
		}
		rs, err := d.buildSource(cfg, s)
		if err != nil {
			d.metrics.Reloads.WithLabelValues("rejected").Inc()
			return fmt.Errorf("reload: %w", err)
		}
		fresh = append(fresh, rs)
	}

	if !reflect.DeepEqual(old.MQTT, cfg.MQTT) || !reflect.DeepEqual(old.Influx, cfg.Influx) ||
		!reflect.DeepEqual(old.Broker, cfg.Broker) || old.DataDir != cfg.DataDir || !reflect.DeepEqual(old.HTTP, cfg.HTTP) {
		d.log.Warn("mqtt, influx, broker, http or storage settings changed: restart radiogw to apply them")
	}

	d.cfgMu.Lock()
	d.cfg = cfg
	d.cfgMu.Unlock()
	d.setLookups(cfg)
	d.reloadCAP(cfg)

	if err := d.call(ctx, func() {
		now := time.Now()
		var b change.Batch
		b.Units = append(b.Units, d.pipe.Units().Reconfigure(ac, now)...)
		for _, c := range d.pipe.Channels().Reconfigure(cc, now) {
			d.pipe.AddChannelChange(&b, c)
		}
		d.pipe.AddUnitEvents(&b)
		d.pipe.Emit(b)
	}); err != nil {
		return fmt.Errorf("reload: %w", err)
	}

	// Stop removed and changed sources, then start the new ones.
	d.srcMu.Lock()
	var stopping []*runningSource
	for name, rs := range d.sources {
		if !unchanged[name] {
			stopping = append(stopping, rs)
		}
	}
	d.srcMu.Unlock()
	for _, rs := range stopping {
		d.stop(rs)
		d.log.Info("source stopped for reload", "source", rs.cfg.Name)
	}
	for _, rs := range fresh {
		d.start(d.srcCtx, rs)
		d.log.Info("source started by reload", "source", rs.cfg.Name)
	}
	d.metrics.Reloads.WithLabelValues("applied").Inc()
	d.log.Info("configuration reloaded", "sources", len(cfg.Sources), "units", len(cfg.Units))
	return nil
}

// unchangedSources names the sources a reload from old to cfg leaves
// running: the same settings, and a decoder that would be built the same
// way (a profile block's patterns are part of it).
func unchangedSources(old, cfg *hcl.Config) map[string]bool {
	prev := map[string]hcl.Source{}
	for _, s := range old.Sources {
		prev[s.Name] = s
	}
	same := map[string]bool{}
	for _, s := range cfg.Sources {
		p, ok := prev[s.Name]
		if ok && sameSource(p, s) && reflect.DeepEqual(codecOptions(old, p), codecOptions(cfg, s)) {
			same[s.Name] = true
		}
	}
	return same
}

func sameSource(a, b hcl.Source) bool {
	a.DefRange, b.DefRange = hcl.Range{}, hcl.Range{}
	return reflect.DeepEqual(a, b)
}
