package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"radiogw/gateway/publish/influx/influxtest"
	"radiogw/gateway/testsvc"
)

// grafanaDashboard is what the test reads of a dashboard JSON.
type grafanaDashboard struct {
	UID        string `json:"uid"`
	Title      string `json:"title"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Query string `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		Title      string `json:"title"`
		Datasource struct {
			Type, UID string
		} `json:"datasource"`
		Targets []struct {
			Query string `json:"query"`
			Expr  string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

// grafanaMacros are the Grafana variables the InfluxQL queries may use, and
// what the test puts in their place: the whole replayed history, a one
// minute interval, the roster unit that reported.
var grafanaMacros = strings.NewReplacer(
	"$timeFilter", "time > '2000-01-01T00:00:00Z'",
	"$__interval", "1m",
	"$unit", "2A12",
)

// grafanaVariable is a Grafana variable left in a query ($name, ${name});
// a regex's end anchor ($/) is not one.
var grafanaVariable = regexp.MustCompile(`\$(\{|[A-Za-z_])`)

// Every dashboard in docs/grafana/dashboards loads, and every query in it
// returns rows from a real influxd that the binary filled from replayed
// captures: NMEA from real modems and app_rpt MDC-1200 console lines sent
// with `radiogw replay`. Prometheus panels are checked against the binary's
// own /metrics: every radiogw_* series they use exists.
func TestGrafanaDashboardsReturnRows(t *testing.T) {
	db := influxtest.Start(t, "radiogw")
	s := newSite(t)
	console := testsvc.FreeUDPPort(t)
	s.extra = consoleSource(console) + fmt.Sprintf("\ninflux {\n  url         = %q\n  bucket      = \"radiogw/autogen\"\n  flush_every = \"200ms\"\n}\n", db.URL)
	s.write(t)
	s.start(t)

	// Console capture: the input lines of the app_rpt golden file.
	golden, err := os.ReadFile(filepath.Join("..", "..", "gateway", "codec", "lines", "testdata", "mdc1200-app-rpt.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var consoleLines []string
	for _, l := range strings.Split(string(golden), "\n") {
		if in, ok := strings.CutPrefix(l, "> "); ok {
			consoleLines = append(consoleLines, in)
		}
	}
	consoleCapture := filepath.Join(t.TempDir(), "console.txt")
	os.WriteFile(consoleCapture, []byte(strings.Join(consoleLines, "\n")+"\n"), 0o644)
	for _, r := range []struct{ to, file string }{
		{fmt.Sprintf("127.0.0.1:%d", s.udpPort), filepath.Join("..", "..", "testdata", "captures", "nmea", "ip-modems.txt")},
		{fmt.Sprintf("127.0.0.1:%d", console), consoleCapture},
	} {
		if out, code := runCLI(t, "replay", "-to", r.to, "-rate", "200", r.file); code != 0 {
			t.Fatalf("replay %s: %d %s", r.file, code, out)
		}
	}
	// And a roster unit driving, so the unit dashboard has a track.
	sendTrack(t, s.udpPort, 6)

	// Wait for every measurement the dashboards read, radiogw_health
	// included (written every 10 s).
	for _, m := range [][2]string{{"unit_position", "lat"}, {"unit_status", "status"}, {"transmission", "radio_id"},
		{"emergency", "id"}, {"radiogw_health", "outbox_depth"}} {
		deadline := time.Now().Add(30 * time.Second)
		for {
			if n, _ := db.Count(m[0], m[1]); n > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s point reached influxd", m[0])
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	metrics := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", s.httpPort))
	// A counter vector without any label set yet (no drop so far) is not
	// on /metrics; it must still be one radiogw registers.
	declared, err := os.ReadFile(filepath.Join("..", "..", "gateway", "metrics", "metrics.go"))
	if err != nil {
		t.Fatal(err)
	}

	files, _ := filepath.Glob(filepath.Join("..", "..", "docs", "grafana", "dashboards", "*.json"))
	if len(files) < 5 {
		t.Fatalf("%d dashboards in docs/grafana/dashboards, want 5", len(files))
	}
	metricName := regexp.MustCompile(`radiogw_[a-z_]+`)
	panels, queries := 0, 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d grafanaDashboard
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if d.UID == "" || d.Title == "" || len(d.Panels) == 0 {
			t.Errorf("%s: no uid, title or panels", f)
		}
		for _, v := range d.Templating.List {
			r, err := db.Query(grafanaMacros.Replace(v.Query))
			if err != nil || len(r.Series) == 0 || !strings.Contains(fmt.Sprint(r.Series[0].Values), "2A12") {
				t.Errorf("%s: variable %s (%s): %v %v", f, v.Name, v.Query, err, r.Series)
			}
		}
		for _, p := range d.Panels {
			panels++
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", f, p.Title)
			}
			for _, tg := range p.Targets {
				queries++
				switch p.Datasource.UID {
				case "radiogw-influx":
					q := grafanaMacros.Replace(tg.Query)
					if grafanaVariable.MatchString(q) {
						t.Errorf("%s: panel %q uses a variable the test does not know: %s", f, p.Title, tg.Query)
						continue
					}
					r, err := db.Query(q)
					rows := 0
					for _, s := range r.Series {
						rows += len(s.Values)
					}
					if err != nil || rows == 0 {
						t.Errorf("%s: panel %q returns no rows: %v\n  %s", f, p.Title, err, q)
					}
				case "radiogw-prometheus":
					names := metricName.FindAllString(tg.Expr, -1)
					if len(names) == 0 {
						t.Errorf("%s: panel %q: no radiogw metric in %s", f, p.Title, tg.Expr)
					}
					for _, n := range names {
						n = strings.TrimSuffix(n, "_bucket")
						if !strings.Contains(metrics, "\n"+n) && !strings.Contains(string(declared), `"`+n+`"`) {
							t.Errorf("%s: panel %q: %s is neither on /metrics nor registered", f, p.Title, n)
						}
					}
				default:
					t.Errorf("%s: panel %q: datasource %q is not one docs/grafana/provisioning defines", f, p.Title, p.Datasource.UID)
				}
			}
		}
	}
	t.Logf("%d dashboards, %d panels, %d queries checked", len(files), panels, queries)

	// The retention policies and continuous queries of docs/grafana.md are
	// accepted by InfluxDB 1.8 as written.
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "grafana.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```sql\n(.*?)```").FindSubmatch(doc)
	if block == nil {
		t.Fatal("docs/grafana.md has no sql block")
	}
	n := 0
	for _, stmt := range strings.Split(string(block[1]), "\n\n") {
		var lines []string
		for _, l := range strings.Split(stmt, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") {
				lines = append(lines, l)
			}
		}
		if len(lines) == 0 {
			continue
		}
		n++
		if _, err := db.Query(strings.Join(lines, " ")); err != nil {
			t.Errorf("docs/grafana.md statement refused by influxd: %v", err)
		}
	}
	if n != 4 {
		t.Errorf("%d statements in docs/grafana.md's sql block, want 4", n)
	}
}
