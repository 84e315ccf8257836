package track

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Write writes points as format (a key of Formats) for unit.
func Write(w io.Writer, format, unit string, pts []Point) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch format {
	case "geojson":
		err = writeGeoJSON(bw, unit, pts)
	case "gpx":
		err = writeGPX(bw, unit, pts)
	case "kml":
		err = writeKML(bw, unit, pts)
	default:
		return fmt.Errorf("%w: format %q (geojson, gpx or kml)", ErrBadQuery, format)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// writeGeoJSON writes an RFC 7946 FeatureCollection: one Feature whose
// geometry is the track (a LineString; a Point for a single fix; no feature
// for none), positions [lon, lat] or [lon, lat, altitude], and the fix
// times in the properties (coordTimes, as GPX converters do).
func writeGeoJSON(w *bufio.Writer, unit string, pts []Point) error {
	w.WriteString(`{"type":"FeatureCollection","features":[`)
	if len(pts) > 0 {
		id, _ := json.Marshal(unit)
		w.WriteString(`{"type":"Feature","id":`)
		w.Write(id)
		w.WriteString(`,"geometry":{"type":`)
		if len(pts) == 1 {
			w.WriteString(`"Point","coordinates":`)
			writePosition(w, &pts[0])
		} else {
			w.WriteString(`"LineString","coordinates":[`)
			for i := range pts {
				if i > 0 {
					w.WriteByte(',')
				}
				writePosition(w, &pts[i])
			}
			w.WriteByte(']')
		}
		w.WriteString(`},"properties":{"unit":`)
		w.Write(id)
		fmt.Fprintf(w, `,"from":%q,"to":%q,"points":%d,"coordTimes":[`,
			pts[0].Time.Format(time.RFC3339Nano), pts[len(pts)-1].Time.Format(time.RFC3339Nano), len(pts))
		for i := range pts {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(strconv.Quote(pts[i].Time.Format(time.RFC3339Nano)))
		}
		w.WriteString(`]}}`)
	}
	_, err := w.WriteString("]}\n")
	return err
}

// writePosition writes [lon, lat] (RFC 7946 order), with the altitude when
// known, as the device reported them.
func writePosition(w *bufio.Writer, p *Point) {
	w.WriteByte('[')
	w.WriteString(strconv.FormatFloat(p.Lon, 'f', -1, 64))
	w.WriteByte(',')
	w.WriteString(strconv.FormatFloat(p.Lat, 'f', -1, 64))
	if known(p.AltitudeM) {
		w.WriteByte(',')
		w.WriteString(num(p.AltitudeM))
	}
	w.WriteByte(']')
}

// xmlText escapes s for XML character data.
func xmlText(w *bufio.Writer, s string) {
	xml.EscapeText(w, []byte(s))
}

// writeGPX writes a GPX 1.1 document: one track, one segment, a trkpt per
// fix with ele, time, src (radiogw's source) and hdop, in the order the
// schema requires.
func writeGPX(w *bufio.Writer, unit string, pts []Point) error {
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.WriteString(`<gpx version="1.1" creator="radiogw" xmlns="http://www.topografix.com/GPX/1/1">` + "\n")
	w.WriteString("<metadata><name>")
	xmlText(w, unit)
	w.WriteString("</name><time>" + time.Now().UTC().Format(time.RFC3339) + "</time></metadata>\n<trk><name>")
	xmlText(w, unit)
	w.WriteString("</name><trkseg>\n")
	for i := range pts {
		p := &pts[i]
		lon := p.Lon
		if lon == 180 {
			lon = -180 // GPX's longitudeType excludes 180: the same meridian
		}
		fmt.Fprintf(w, `<trkpt lat="%s" lon="%s">`, num(p.Lat), num(lon))
		if known(p.AltitudeM) {
			w.WriteString("<ele>" + num(p.AltitudeM) + "</ele>")
		}
		w.WriteString("<time>" + p.Time.UTC().Format(time.RFC3339Nano) + "</time>")
		if p.Source != "" {
			w.WriteString("<src>")
			xmlText(w, p.Source)
			w.WriteString("</src>")
		}
		if known(p.HDOP) && p.HDOP >= 0 {
			w.WriteString("<hdop>" + num(p.HDOP) + "</hdop>")
		}
		w.WriteString("</trkpt>\n")
	}
	_, err := w.WriteString("</trkseg></trk>\n</gpx>\n")
	return err
}

// writeKML writes a KML 2.2 document: a Placemark with the track as a
// LineString (a Point for a single fix) and its time span.
func writeKML(w *bufio.Writer, unit string, pts []Point) error {
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.WriteString(`<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>`)
	xmlText(w, unit)
	w.WriteString("</name>\n")
	if len(pts) > 0 {
		w.WriteString("<Placemark><name>")
		xmlText(w, unit)
		w.WriteString("</name><TimeSpan><begin>" + pts[0].Time.Format(time.RFC3339Nano) + "</begin><end>" +
			pts[len(pts)-1].Time.Format(time.RFC3339Nano) + "</end></TimeSpan>\n")
		geom := "LineString"
		if len(pts) == 1 {
			geom = "Point"
		}
		w.WriteString("<" + geom + "><coordinates>\n")
		for i := range pts {
			p := &pts[i]
			w.WriteString(num(p.Lon) + "," + num(p.Lat))
			if known(p.AltitudeM) {
				w.WriteString("," + num(p.AltitudeM))
			}
			w.WriteByte('\n')
		}
		w.WriteString("</coordinates></" + geom + "></Placemark>\n")
	}
	_, err := w.WriteString("</Document></kml>\n")
	return err
}
