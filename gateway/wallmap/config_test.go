package wallmap

import (
	"strings"
	"testing"

	"radiogw/gateway/codec/lines"
	"radiogw/hcl"
)

func TestFromDemoConfig(t *testing.T) {
	cfg, err := hcl.Load("../../hcl/examples/demo", hcl.Options{Profiles: lines.BuiltinNames()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := FromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Site != "demo" || c.TopicRoot != "radiogw/demo" || c.WebSocketURL != "ws://127.0.0.1:9001" {
		t.Errorf("site %q root %q ws %q", c.Site, c.TopicRoot, c.WebSocketURL)
	}
	kinds := map[string]string{}
	for _, g := range c.Geofences {
		kinds[g.Name] = g.Kind
		if !strings.Contains(string(g.Data), "FeatureCollection") {
			t.Errorf("geofence %s: %.40q", g.Name, g.Data)
		}
	}
	if kinds["city"] != "boundary" || kinds["beats"] != "beat" {
		t.Errorf("geofences %v", kinds)
	}
	if !strings.HasSuffix(c.Basemap, "geo/demo.pmtiles") || len(c.Overlays) != 1 || c.Overlays[0].Name != "streets" ||
		!strings.Contains(string(c.Overlays[0].Data), "Main Ave") {
		t.Errorf("demo wallmap: basemap %q, overlays %d", c.Basemap, len(c.Overlays))
	}
	if c.Username != "" || c.Password != "" {
		t.Errorf("a login without broker auth: %q", c.Username)
	}

	cfg.MQTT = &hcl.MQTT{Broker: "wss://mqtt.example.org/ws", TopicRoot: "pd/tustin"}
	if c, _ := FromConfig(cfg); c.WebSocketURL != "wss://mqtt.example.org/ws" || c.TopicRoot != "pd/tustin" {
		t.Errorf("external broker: %q %q", c.WebSocketURL, c.TopicRoot)
	}
	cfg.MQTT = &hcl.MQTT{Broker: "tcp://10.0.0.5:1883"}
	if c, _ := FromConfig(cfg); c.WebSocketURL != "" {
		t.Errorf("a TCP-only broker gave WebSocket URL %q", c.WebSocketURL)
	}
	if got := loopbackIfWildcard("0.0.0.0:9001"); got != "127.0.0.1:9001" {
		t.Errorf("wildcard: %q", got)
	}
}
