package sim

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"radiogw/gateway/codec/lines"
	"radiogw/hcl"
)

// demoEmergencyEvery is how often FromConfig's field raises an emergency.
const demoEmergencyEvery = 2 * time.Minute

// FromConfig builds the options that simulate a radiogw configuration:
// UDP sources decoding nmea, taip, lrrp and ars become the destinations;
// the first app_rpt console source (serial: its device path becomes a
// pseudo-terminal; udp: lines are sent to it) becomes the console, on its
// channel or, without one, on every configured channel; the roster becomes
// the units (generated ones if it is empty); the first "boundary" geofence
// bounds the driving; wallmap overlays marked roads are the streets units
// drive along. Seed and rate keep their defaults; the caller may
// change any field before Run.
func FromConfig(cfg *hcl.Config) (Options, error) {
	o := Options{Seed: 1, EmergencyEvery: demoEmergencyEvery}
	var consoleChannel string
	consoleSet := false
	for _, s := range cfg.Sources {
		switch {
		case s.Type == hcl.SourceUDP && s.Codec == "nmea" && o.NMEAAddr == "":
			o.NMEAAddr = dialable(s.Listen)
		case s.Type == hcl.SourceUDP && s.Codec == "taip" && o.TAIPAddr == "":
			o.TAIPAddr = dialable(s.Listen)
		case s.Type == hcl.SourceUDP && s.Codec == "lrrp" && o.LRRPAddr == "":
			o.LRRPAddr = dialable(s.Listen)
		case s.Type == hcl.SourceUDP && s.Codec == "ars" && o.ARSAddr == "":
			o.ARSAddr = dialable(s.Listen)
		case s.Type == hcl.SourceUDP && s.Codec == "calamp" && o.CalAmpAddr == "":
			o.CalAmpAddr = dialable(s.Listen)
		case s.Codec == "lines" && s.Profile == lines.ProfileAppRpt && !consoleSet:
			switch s.Type {
			case hcl.SourceSerial:
				o.ConsolePath, consoleSet = s.Device, true
			case hcl.SourceUDP:
				o.ConsoleAddr, consoleSet = dialable(s.Listen), true
			}
			consoleChannel = s.Channel
		}
	}
	if consoleChannel != "" {
		o.Channels = []string{consoleChannel}
	} else {
		for _, c := range cfg.Channels {
			o.Channels = append(o.Channels, c.Name)
		}
	}
	o.UnitIDs = UnitsFromRoster(cfg.Units)
	for _, ov := range cfg.WallMap.Overlays {
		if !ov.Roads {
			continue
		}
		data, err := os.ReadFile(ov.File)
		if err != nil {
			return o, fmt.Errorf("sim: roads %q: %w", ov.Name, err)
		}
		lines, err := RoadsFromGeoJSON(data)
		if err != nil {
			return o, fmt.Errorf("sim: roads %q (%s): %w", ov.Name, ov.File, err)
		}
		o.Roads = append(o.Roads, lines...)
	}
	for _, g := range cfg.Geofences {
		if g.Kind != "boundary" {
			continue
		}
		data, err := os.ReadFile(g.File)
		if err != nil {
			return o, fmt.Errorf("sim: boundary %q: %w", g.Name, err)
		}
		if o.Boundary, err = BoundaryFromGeoJSON(data); err != nil {
			return o, fmt.Errorf("sim: boundary %q (%s): %w", g.Name, g.File, err)
		}
		break
	}
	return o, nil
}

// dialable turns a listen address into one to send to: a wildcard host
// (":5005", "0.0.0.0:5005", "[::]:5005") becomes loopback.
func dialable(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// BoundaryFromGeoJSON returns the largest polygon in a GeoJSON document
// (FeatureCollection, Feature or bare geometry; Polygon or MultiPolygon
// parts): a city boundary file sometimes carries islands or annexes, and
// units should drive in the main part.
func BoundaryFromGeoJSON(data []byte) (orb.Polygon, error) {
	var geoms []orb.Geometry
	if fc, err := geojson.UnmarshalFeatureCollection(data); err == nil && fc.Type == "FeatureCollection" {
		for _, f := range fc.Features {
			if f != nil {
				geoms = append(geoms, f.Geometry)
			}
		}
	} else if f, err := geojson.UnmarshalFeature(data); err == nil && f.Type == "Feature" {
		geoms = append(geoms, f.Geometry)
	} else if g, err := geojson.UnmarshalGeometry(data); err == nil {
		geoms = append(geoms, g.Geometry())
	} else {
		return nil, fmt.Errorf("not GeoJSON: %w", err)
	}
	var best orb.Polygon
	bestArea := 0.0
	consider := func(p orb.Polygon) {
		if len(p) == 0 || len(p[0]) < 4 {
			return
		}
		if a := planar.Area(p); a > bestArea {
			best, bestArea = p, a
		}
	}
	for _, g := range geoms {
		switch g := g.(type) {
		case orb.Polygon:
			consider(g)
		case orb.MultiPolygon:
			for _, p := range g {
				consider(p)
			}
		}
	}
	if best == nil {
		return nil, errors.New("no polygon with an area")
	}
	return best, nil
}
