package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(binary, args...).CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func TestCheckShippedExamples(t *testing.T) {
	dirs, _ := filepath.Glob("../../hcl/examples/*")
	if len(dirs) < 2 {
		t.Fatalf("expected the demo and midsize examples, found %v", dirs)
	}
	for _, d := range dirs {
		if filepath.Base(d) == "install" {
			d = installedExample(t, d)
		}
		// As shipped: no environment, the placeholders under secrets/.
		cmd := exec.Command(binary, "check", "-config", d)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), ": ok (") {
			t.Errorf("check %s: %v\n%s", d, err, out)
		}
	}
}

// installedExample copies the install example next to the secret files
// make install creates for it.
func installedExample(t *testing.T, dir string) string {
	t.Helper()
	tmp := t.TempDir()
	os.WriteFile(filepath.Join(tmp, "radiogw.hcl"), []byte(mustRead(t, filepath.Join(dir, "radiogw.hcl"))), 0o640)
	for _, f := range []string{"broker-wall.pass", "broker-dispatch.pass", "http-read.token", "http-write.token"} {
		os.WriteFile(filepath.Join(tmp, f), []byte("secret-of-"+f+"\n"), 0o640)
	}
	return tmp
}

// A broken config exits 1; each message starts with file:line:col, as the
// README promises, and shows the offending line.
func TestCheckReportsPosition(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "radiogw.hcl")
	os.WriteFile(cfg, []byte("site = \"x\"\n\nsource \"udp\" \"a\" {\n  listen = \"127.0.0.1:1\"\n  codec  = \"nmea\"\n  channel = \"nope\"\n}\n"), 0o644)
	out, code := runCLI(t, "check", "-config", cfg)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	if !strings.HasPrefix(out, cfg+":6:3: Error: ") {
		t.Errorf("diagnostics do not start with %s:6:3: Error:\n%s", cfg, out)
	}
	for _, want := range []string{"radiogw.hcl line 6", `channel = "nope"`} {
		if !strings.Contains(out, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, out)
		}
	}
}

func TestFmt(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "radiogw.hcl")
	os.WriteFile(cfg, []byte("site=\"x\"\nhttp {\nlisten=\"127.0.0.1:8080\"\n}\n"), 0o644)
	if out, code := runCLI(t, "fmt", "-check", cfg); code != 1 {
		t.Fatalf("fmt -check on an unformatted file: exit %d\n%s", code, out)
	}
	if out, code := runCLI(t, "fmt", cfg); code != 0 {
		t.Fatalf("fmt: exit %d\n%s", code, out)
	}
	if got := mustRead(t, cfg); got != "site = \"x\"\nhttp {\n  listen = \"127.0.0.1:8080\"\n}\n" {
		t.Errorf("formatted file:\n%s", got)
	}
	if out, code := runCLI(t, "fmt", "-check", cfg); code != 0 {
		t.Fatalf("fmt -check after fmt: exit %d\n%s", code, out)
	}
}

func TestVersionAndUsage(t *testing.T) {
	if out, code := runCLI(t, "version"); code != 0 || !strings.HasPrefix(out, "radiogw ") {
		t.Errorf("version: %d %q", code, out)
	}
	if out, code := runCLI(t, "bogus"); code != 2 || !strings.Contains(out, "unknown command") {
		t.Errorf("unknown command: %d %q", code, out)
	}
}
