package runtime

import (
	"fmt"
	"os"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/source"
	"radiogw/hcl"
)

// trackerConfigs translates the HCL configuration into the trackers' own
// configuration, loading the geofence files.
func trackerConfigs(cfg *hcl.Config) (avl.Config, channels.Config, error) {
	ac := avl.Config{Types: map[string]avl.TypePolicy{}, Breadcrumbs: cfg.Breadcrumbs,
		Unlisted: avl.UnlistedLimits{MaxPerSource: cfg.Unlisted.MaxPerSource, MaxTotal: cfg.Unlisted.MaxTotal,
			Expire: cfg.Unlisted.Expire, Grace: cfg.Unlisted.Grace}}
	if cfg.Breadcrumbs == 0 {
		ac.Breadcrumbs = avl.NoBreadcrumbs // hcl has applied its default: 0 is the technician's
	}
	for _, u := range cfg.Units {
		ac.Roster = append(ac.Roster, avl.RosterEntry{CallSign: u.CallSign, AlphaTag: u.AlphaTag, Type: u.Type,
			RadioIDs: u.RadioIDs, AVLIDs: u.AVLIDs})
	}
	for _, t := range cfg.UnitTypes {
		ac.Types[t.Name] = avl.TypePolicy{Aging: t.Aging, Stale: t.Stale, Lost: t.Lost, MaxFixAge: t.MaxFixAge,
			MaxFuture: t.MaxFuture, MaxSpeedKmh: t.MaxSpeedKmh, MaxAccuracyM: t.MaxAccuracyM,
			MovingKmh: t.MovingKmh, StoppedKmh: t.StoppedKmh}
	}
	if _, ok := ac.Types[avl.DefaultType]; !ok {
		ac.Types[avl.DefaultType] = avl.TypePolicy{Aging: 60e9, Stale: 300e9, Lost: 1800e9, MaxFixAge: 24 * 3600e9,
			MaxFuture: 120e9, MaxSpeedKmh: 250, MovingKmh: 5, StoppedKmh: 2}
	}
	for _, g := range cfg.Geofences {
		fences, err := loadFences(g)
		if err != nil {
			return ac, channels.Config{}, err
		}
		ac.Fences = append(ac.Fences, fences...)
	}

	cc := channels.Config{StatusTables: map[string]map[string]string{}}
	for _, c := range cfg.Channels {
		cc.Channels = append(cc.Channels, channels.ChannelConfig{Name: c.Name, AlphaTag: c.AlphaTag, Mode: c.Mode,
			Signalling: c.Signalling, StatusTable: c.StatusTable, Freq: c.Freq, Talkgroup: c.Talkgroup,
			System: c.System, HangTime: c.HangTime, StuckMic: c.StuckMic})
	}
	for i, t := range cfg.StatusTabs {
		cc.StatusTables[t.Name] = t.Codes
		if i == 0 {
			cc.DefaultStatusTable = t.Name
		}
	}
	return ac, cc, nil
}

// loadFences reads one geofence file: every polygon feature becomes a fence
// named by the configured property.
func loadFences(g hcl.Geofence) ([]avl.Fence, error) {
	raw, err := os.ReadFile(g.File)
	if err != nil {
		return nil, fmt.Errorf("geofence %q: %w", g.Name, err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		return nil, fmt.Errorf("geofence %q: %s: %w", g.Name, g.File, err)
	}
	var out []avl.Fence
	for i, f := range fc.Features {
		switch f.Geometry.(type) {
		case orb.Polygon, orb.MultiPolygon:
		default:
			continue
		}
		name := f.Properties.MustString(g.NameProperty, "")
		if name == "" {
			name = fmt.Sprintf("%s-%d", g.Name, i+1)
		}
		out = append(out, avl.Fence{Name: name, Kind: g.Kind, Set: g.Name, Polygon: f.Geometry})
	}
	return out, nil
}

// sourceConfig translates a source block. In an active/standby pair every
// listener binds freely, so the standby hears the virtual IP the moment
// keepalived moves it.
func sourceConfig(s hcl.Source, pair bool) source.Config {
	if s.Keepalive == "" {
		s.KeepaliveEvery = 0 // the interval means nothing without a keepalive line
	}
	return source.Config{Type: s.Type, Name: s.Name, Framing: s.Framing, MaxFrame: s.MaxFrame,
		Listen: s.Listen, FreeBind: pair, Allow: s.Allow, MaxConns: s.MaxConns, MaxPerPeer: s.MaxConnsPerPeer, IdleTimeout: s.IdleTimeout,
		Address: s.Address, Keepalive: s.Keepalive, KeepaliveEvery: s.KeepaliveEvery, ReadTimeout: s.ReadTimeout,
		Device: s.Device, Baud: s.Baud, DataBits: s.DataBits, Parity: s.Parity, StopBits: s.StopBits,
		Startup: s.Startup}
}
