package track

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Influx is where FromInflux reads: the configuration of radiogw's influx
// block. Bucket is "db/rp" (or "db") for InfluxDB 1.8; a 2.x server answers
// InfluxQL on the same /query API for buckets with a DBRP mapping
// (docs/influx.md).
type Influx struct {
	URL, Bucket, Token string
	Client             *http.Client
}

// FromInflux reads q's fixes from InfluxDB with one InfluxQL query, oldest
// first.
func FromInflux(ctx context.Context, db Influx, q Query) ([]Point, error) {
	dbName, rp, _ := strings.Cut(db.Bucket, "/")
	stmt := fmt.Sprintf(`SELECT "lat","lon","altitude_m","speed_kmh","heading","hdop","accuracy_m","source" FROM "unit_position"`+
		` WHERE "unit" = %s AND time >= %d AND time <= %d ORDER BY time ASC LIMIT %d`,
		quoteString(q.Unit), q.From.UnixNano(), q.To.UnixNano(), MaxPoints+1)
	v := url.Values{"db": {dbName}, "q": {stmt}, "epoch": {"ns"}}
	if rp != "" {
		v.Set("rp", rp)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(db.URL, "/")+"/query?"+v.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("track: influx query: %w", err)
	}
	if db.Token != "" {
		req.Header.Set("Authorization", "Token "+db.Token) // 1.8 takes "user:password" here
	}
	client := db.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("track: influx query: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("track: influx query: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("track: influx query: %s: %s", resp.Status, strings.TrimSpace(string(body[:min(len(body), 300)])))
	}
	var r struct {
		Results []struct {
			Error  string `json:"error"`
			Series []struct {
				Columns []string            `json:"columns"`
				Values  [][]json.RawMessage `json:"values"`
			} `json:"series"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("track: influx answer: %w", err)
	}
	var out []Point
	for _, res := range r.Results {
		if res.Error != "" {
			return nil, fmt.Errorf("track: influx query: %s", res.Error)
		}
		for _, s := range res.Series {
			for _, row := range s.Values {
				if p, ok := rowPoint(s.Columns, row); ok {
					out = append(out, p)
				}
			}
		}
	}
	if len(out) > MaxPoints {
		return nil, ErrTooMany
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

// rowPoint turns one result row into a point; null values stay unknown.
func rowPoint(cols []string, row []json.RawMessage) (Point, bool) {
	p := Point{AltitudeM: mathNaN, SpeedKmh: mathNaN, Heading: mathNaN, HDOP: mathNaN, AccuracyM: mathNaN}
	haveLat, haveLon := false, false
	for i, c := range cols {
		if i >= len(row) || string(row[i]) == "null" {
			continue
		}
		if c == "time" {
			var ns int64
			if json.Unmarshal(row[i], &ns) != nil {
				return p, false
			}
			p.Time = time.Unix(0, ns).UTC()
			continue
		}
		if c == "source" {
			json.Unmarshal(row[i], &p.Source)
			continue
		}
		var f float64
		if json.Unmarshal(row[i], &f) != nil {
			continue
		}
		switch c {
		case "lat":
			haveLat = true
		case "lon":
			haveLon = true
		}
		p.setField(c, f)
	}
	return p, haveLat && haveLon && !p.Time.IsZero() && p.valid()
}

// quoteString is an InfluxQL string literal: single quotes, with quotes and
// backslashes escaped, so a unit name cannot end the literal.
func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}
