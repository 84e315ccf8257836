// Package influxtest runs a real influxd 1.8 for tests: free loopback ports,
// a temporary directory, Flux enabled, reporting off. A missing binary fails
// the test with the command that installs it; it never skips.
package influxtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Install is the command that provides the binary.
const Install = "go install github.com/influxdata/influxdb/cmd/influxd@v1.8.10"

// Server is one influxd process and its data directory. Stop and Start
// again to simulate an outage: data and ports are kept.
type Server struct {
	URL  string // http://127.0.0.1:port
	DB   string
	bin  string
	dir  string
	conf string
	cmd  *exec.Cmd
	log  *os.File
	t    testing.TB

	exited chan error // receives the process's exit
}

// Binary finds influxd: $RADIOGW_INFLUXD, then $PATH, then $GOBIN or
// $GOPATH/bin (where go install puts it).
func Binary() (string, error) {
	if p := os.Getenv("RADIOGW_INFLUXD"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("influxd: $RADIOGW_INFLUXD: %w; install it with: %s", err, Install)
		}
		return p, nil
	}
	if p, err := exec.LookPath("influxd"); err == nil {
		return p, nil
	}
	var dirs []string
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, p := range filepath.SplitList(strings.TrimSpace(string(out))) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "influxd")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("influxd not found (looked in $RADIOGW_INFLUXD, $PATH, %v); install it with: %s", dirs, Install)
}

// Option changes the server configuration.
type Option func(*settings)

type settings struct{ flux bool }

// Flux enables the Flux endpoint (/api/v2/query). It is off by default
// because 1.8 spends ~20 s compiling Flux's standard library at every start
// on a busy 2-core machine, against 0.3 s without it.
func Flux() Option { return func(s *settings) { s.flux = true } }

// Start runs influxd and creates database db. The server is stopped when
// the test ends.
func Start(t testing.TB, db string, opts ...Option) *Server {
	t.Helper()
	var set settings
	for _, o := range opts {
		o(&set)
	}
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := &Server{DB: db, bin: bin, dir: dir, conf: filepath.Join(dir, "influxdb.conf"), t: t}
	httpPort, rpcPort := freePort(t), freePort(t)
	s.URL = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	conf := fmt.Sprintf(`reporting-disabled = true
bind-address = "127.0.0.1:%d"
[meta]
  dir = %q
[data]
  dir = %q
  wal-dir = %q
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:%d"
  flux-enabled = %t
  log-enabled = false
[logging]
  level = "warn"
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
`, rpcPort, filepath.Join(dir, "meta"), filepath.Join(dir, "data"), filepath.Join(dir, "wal"), httpPort, set.flux)
	if err := os.WriteFile(s.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(s.Stop)
	if _, err := s.Query("CREATE DATABASE " + db); err != nil {
		t.Fatalf("influxtest: create database: %v", err)
	}
	return s
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start (re)starts the process and waits for /ping.
func (s *Server) Start() {
	s.t.Helper()
	if s.cmd != nil {
		return
	}
	log, err := os.OpenFile(filepath.Join(s.dir, "influxd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command(s.bin, "run", "-config", s.conf)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		s.t.Fatalf("influxtest: start %s: %v", s.bin, err)
	}
	s.cmd, s.log = cmd, log
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			s.cmd = nil
			s.t.Fatalf("influxtest: influxd exited: %v\n%s", err, s.Log())
		default:
		}
		resp, err := http.Get(s.URL + "/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				s.exited = exited
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("influxtest: influxd did not answer /ping within 90 s\n%s", s.Log())
}

// Stop terminates the process (SIGTERM, then SIGKILL after 10 s). Data stay.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
	s.log.Close()
}

// Log returns the server's output so far, for failure messages.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "influxd.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Result is one InfluxQL statement's series.
type Result struct {
	Series []struct {
		Name    string            `json:"name"`
		Tags    map[string]string `json:"tags"`
		Columns []string          `json:"columns"`
		Values  [][]any           `json:"values"`
	} `json:"series"`
	Error string `json:"error"`
}

// Query runs InfluxQL against the server's database (epoch=ns) and returns
// the first statement's result.
func (s *Server) Query(q string) (Result, error) {
	form := url.Values{"q": {q}, "db": {s.DB}, "epoch": {"ns"}}
	resp, err := http.PostForm(s.URL+"/query", form)
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	var body struct {
		Results []Result `json:"results"`
		Error   string   `json:"error"`
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return Result{}, fmt.Errorf("query %q: HTTP %d: %w", q, resp.StatusCode, err)
	}
	if body.Error != "" {
		return Result{}, fmt.Errorf("query %q: %s", q, body.Error)
	}
	if len(body.Results) == 0 {
		return Result{}, fmt.Errorf("query %q: no result", q)
	}
	if e := body.Results[0].Error; e != "" {
		return body.Results[0], fmt.Errorf("query %q: %s", q, e)
	}
	return body.Results[0], nil
}

// Flux runs a Flux query (1.8: /api/v2/query, flux-enabled) and returns the
// annotated CSV.
func (s *Server) Flux(q string) (string, error) {
	body, _ := json.Marshal(map[string]any{"query": q, "type": "flux",
		"dialect": map[string]any{"header": true, "annotations": []string{}}})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/v2/query", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("flux: HTTP %d: %s", resp.StatusCode, b)
	}
	return string(b), nil
}

// Count returns count(field) over measurement, 0 if there is none.
func (s *Server) Count(measurement, field string) (int64, error) {
	r, err := s.Query(fmt.Sprintf(`SELECT count(%q) FROM %q`, field, measurement))
	if err != nil {
		return 0, err
	}
	if len(r.Series) == 0 || len(r.Series[0].Values) == 0 {
		return 0, nil
	}
	n, ok := r.Series[0].Values[0][1].(json.Number)
	if !ok {
		return 0, fmt.Errorf("count: unexpected %#v", r.Series[0].Values[0])
	}
	return n.Int64()
}
