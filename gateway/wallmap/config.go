package wallmap

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"radiogw/gateway/broker"
	"radiogw/hcl"
)

// FromConfig derives the wall map's settings from a radiogw configuration:
// the site, the topic root (mqtt.topic_root or radiogw/<site>), the
// WebSocket URL (the embedded broker's WebSocket listener, or an external
// broker given as ws:// or wss://; otherwise empty and the caller must set
// it), the geofence files, and, when the embedded broker requires logins,
// its first display login, and the wallmap block: basemap, tile URL,
// region mode and overlays. The login is included only when the HTTP
// server requires a read token: /config.json is then behind that token, so
// the page gets a login only once it is authorised; without one the page
// connects anonymously.
func FromConfig(cfg *hcl.Config) (Config, error) {
	c := Config{Site: cfg.Site, TopicRoot: "radiogw/" + cfg.Site}
	if cfg.MQTT != nil && cfg.MQTT.TopicRoot != "" {
		c.TopicRoot = cfg.MQTT.TopicRoot
	}
	if !cfg.EmbeddedBroker() {
		if b := cfg.MQTT.Broker; strings.HasPrefix(b, "ws://") || strings.HasPrefix(b, "wss://") {
			c.WebSocketURL = b
		}
	} else if ws := cfg.Broker.WebSocket; ws != "" {
		c.WebSocketURL = "ws://" + loopbackIfWildcard(ws)
		if cfg.Broker.Auth && cfg.HTTP.ReadToken.Value() != "" {
			for _, u := range cfg.Broker.Users {
				if u.Role == broker.RoleDisplay {
					c.Username, c.Password = u.Name, u.Password.Value()
					break
				}
			}
		}
	}
	for _, t := range cfg.StatusTabs {
		for word, cat := range t.Categories {
			if c.StatusCategories == nil {
				c.StatusCategories = map[string]string{}
			}
			c.StatusCategories[word] = cat // hcl refuses a word with two categories
		}
	}
	var errs []error
	c.Basemap, c.TileURL, c.Region = cfg.WallMap.Basemap, cfg.WallMap.TileURL, cfg.WallMap.Region
	for _, o := range cfg.WallMap.Overlays {
		data, err := os.ReadFile(o.File)
		if err != nil {
			// a missing overlay must not take the beats off the wall
			errs = append(errs, fmt.Errorf("wallmap: overlay %q: %w", o.Name, err))
			continue
		}
		c.Overlays = append(c.Overlays, Overlay{Name: o.Name, Color: o.Color, Width: o.Width, Label: o.Label, Data: data})
	}
	for _, g := range cfg.Geofences {
		data, err := os.ReadFile(g.File)
		if err != nil {
			errs = append(errs, fmt.Errorf("wallmap: geofence %q: %w", g.Name, err))
			continue
		}
		c.Geofences = append(c.Geofences, GeoJSONFile{Name: g.Name, Kind: g.Kind, Data: data})
	}
	return c, errors.Join(errs...)
}

// loopbackIfWildcard names a wildcard listener by loopback; the page swaps
// a loopback host for its own host when it is loaded from another machine.
func loopbackIfWildcard(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
