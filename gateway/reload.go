package gateway

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"radiogw/gateway/publish"
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
	oldByName := map[string]hcl.Source{}
	for _, s := range old.Sources {
		oldByName[s.Name] = s
	}
	var fresh []*runningSource
	for _, s := range cfg.Sources {
		if prev, ok := oldByName[s.Name]; ok && sameSource(prev, s) {
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
		!reflect.DeepEqual(old.Broker, cfg.Broker) || old.DataDir != cfg.DataDir || old.HTTP != cfg.HTTP {
		d.log.Warn("mqtt, influx, broker, http or storage settings changed: restart radiogw to apply them")
	}

	d.cfgMu.Lock()
	d.cfg = cfg
	d.cfgMu.Unlock()
	d.setLookups(cfg)

	if err := d.call(ctx, func() {
		now := time.Now()
		var b publish.Batch
		b.Units = append(b.Units, d.units.Reconfigure(ac, now)...)
		for _, c := range d.chans.Reconfigure(cc, now) {
			d.addChannelChange(&b, c)
		}
		d.addUnitEvents(&b)
		d.emit(b)
	}); err != nil {
		return fmt.Errorf("reload: %w", err)
	}

	// Stop removed and changed sources, then start the new ones.
	keep := map[string]hcl.Source{}
	for _, s := range cfg.Sources {
		keep[s.Name] = s
	}
	d.srcMu.Lock()
	var stopping []*runningSource
	for name, rs := range d.sources {
		if s, ok := keep[name]; !ok || !sameSource(rs.cfg, s) {
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

func sameSource(a, b hcl.Source) bool {
	a.DefRange, b.DefRange = hcl.Range{}, hcl.Range{}
	return reflect.DeepEqual(a, b)
}
