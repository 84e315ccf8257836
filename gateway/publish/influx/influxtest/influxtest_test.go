package influxtest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestStartWriteQueryRestart(t *testing.T) {
	t0 := time.Now()
	s := Start(t, "radiogw")
	t.Logf("start %v", time.Since(t0))
	resp, err := http.Post(s.URL+"/write?db=radiogw", "text/plain", strings.NewReader("m,k=v x=1.5 1000000000\n"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("write: HTTP %d", resp.StatusCode)
	}
	t0 = time.Now()
	s.Stop()
	t.Logf("stop %v", time.Since(t0))
	if _, err := http.Get(s.URL + "/ping"); err == nil {
		t.Fatal("server still answers after Stop")
	}
	s.Start()
	n, err := s.Count("m", "x")
	if err != nil || n != 1 {
		t.Fatalf("count after restart = %d, %v", n, err)
	}
}

func TestMissingBinaryNamesTheInstallCommand(t *testing.T) {
	t.Setenv("RADIOGW_INFLUXD", "/nonexistent/influxd")
	_, err := Binary()
	if err == nil || !strings.Contains(err.Error(), Install) {
		t.Fatalf("error %v does not name %q", err, Install)
	}
}
