package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"radiogw/gateway/testsvc"
	"radiogw/systemd/sdtest"
)

// opsRepoRoot is the checkout holding the Makefile and systemd/.
func opsRepoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func opsMonotonicUsec(t *testing.T) int64 {
	t.Helper()
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	return ts.Sec*1_000_000 + ts.Nsec/1000
}

// The real binary under a fake service manager: READY=1 once running,
// RELOADING=1 (with MONOTONIC_USEC) then READY=1 around a SIGHUP reload,
// WATCHDOG=1 pings throughout, STOPPING=1 on SIGTERM; JSON logs under
// systemd.
func TestNotifySequence(t *testing.T) {
	sock := sdtest.Listen(t)
	s := newSite(t)
	s.write(t)
	env := append(sock.Env(), "WATCHDOG_USEC=1000000", "INVOCATION_ID=0123456789abcdef0123456789abcdef")
	p := testsvc.Start(t, env, binary, "run", "-config", s.config)

	_, i := sock.WaitFrom(t, 0, "READY=1", 20*time.Second)
	p.WaitOutput(t, "radiogw running", 10*time.Second)
	for _, m := range sock.Messages()[:i] {
		if !m.Has("WATCHDOG=1") {
			t.Errorf("before READY=1 the daemon sent %q", m.State)
		}
	}
	_, w := sock.WaitFrom(t, i+1, "WATCHDOG=1", 5*time.Second)
	sock.WaitFrom(t, w+1, "WATCHDOG=1", 5*time.Second)

	before := opsMonotonicUsec(t)
	p.Cmd.Process.Signal(syscall.SIGHUP)
	rel, r := sock.WaitFrom(t, i+1, "RELOADING=1", 10*time.Second)
	after := opsMonotonicUsec(t)
	v, ok := rel.Field("MONOTONIC_USEC")
	if !ok {
		t.Fatalf("RELOADING=1 without MONOTONIC_USEC: %q", rel.State)
	}
	if usec, err := strconv.ParseInt(v, 10, 64); err != nil || usec < before || usec > after {
		t.Errorf("MONOTONIC_USEC=%s, not the CLOCK_MONOTONIC of the reload (between %d and %d)", v, before, after)
	}
	_, ready := sock.WaitFrom(t, r+1, "READY=1", 10*time.Second)
	p.WaitOutput(t, "configuration reloaded", 10*time.Second)
	sock.WaitFrom(t, ready+1, "WATCHDOG=1", 5*time.Second)

	p.Cmd.Process.Signal(syscall.SIGTERM)
	sock.WaitFrom(t, ready+1, "STOPPING=1", 10*time.Second)
	if code := p.Wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}

	// Under systemd (INVOCATION_ID set, stderr not a terminal) every log
	// line is a JSON object journald can index.
	var sawRunning bool
	for _, line := range strings.Split(p.Output(), "\n") {
		if strings.TrimSpace(line) == "" || strings.Contains(line, "WARNING: DATA RACE") {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON under systemd: %q", line)
			continue
		}
		if rec["time"] == nil || rec["level"] == nil || rec["msg"] == nil {
			t.Errorf("log record lacks time/level/msg: %q", line)
		}
		if rec["msg"] == "radiogw running" && rec["site"] == "test" {
			sawRunning = true
		}
	}
	if !sawRunning {
		t.Errorf("no JSON \"radiogw running\" record with site=test")
	}
	if strings.Contains(p.Output(), "withholding watchdog ping") {
		t.Errorf("a healthy daemon withheld a watchdog ping")
	}
}

// unitForHost is radiogw.service with ExecStart pointing at bin, so that
// systemd-analyze can check the command exists.
func unitForHost(t *testing.T, bin string) string {
	t.Helper()
	unit := mustRead(t, filepath.Join(opsRepoRoot(t), "systemd", "radiogw.service"))
	if !strings.Contains(unit, "ExecStart=/usr/local/bin/radiogw run -config /etc/radiogw/radiogw.hcl\n") {
		t.Fatalf("radiogw.service does not start /usr/local/bin/radiogw run -config /etc/radiogw/radiogw.hcl")
	}
	path := filepath.Join(t.TempDir(), "radiogw.service")
	unit = strings.ReplaceAll(unit, "/usr/local/bin/radiogw", bin)
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func systemdAnalyze(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatalf("systemd-analyze is not installed, so the unit file cannot be verified; "+
			"install it with: apt-get install systemd (%v)", err)
	}
	return p
}

var exposureRE = regexp.MustCompile(`Overall exposure level for radiogw\.service: ([0-9]+\.[0-9]) (\S+)`)

// The unit passes `systemd-analyze verify`, its exposure score stays low
// and docs/operations.md quotes the score it really has.
func TestUnitFileAnalyze(t *testing.T) {
	sa := systemdAnalyze(t)
	unit := unitForHost(t, binary)

	out, err := exec.Command(sa, "verify", unit).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// verify also loads the host's units (network-online.target, ...);
	// only what it says about ours counts.
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "radiogw") {
			t.Errorf("systemd-analyze verify: %s", line)
		}
	}

	out, err = exec.Command(sa, "security", "--offline=true", unit).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security --offline=true: %v\n%s", err, out)
	}
	m := exposureRE.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no exposure level in systemd-analyze security output:\n%s", out)
	}
	score, _ := strconv.ParseFloat(m[1], 64)
	t.Logf("systemd-analyze security exposure level: %s %s", m[1], m[2])
	if score > 2.0 {
		t.Errorf("exposure level %s rose above 2.0; a hardening setting was lost:\n%s", m[1], out)
	}
	docs := mustRead(t, filepath.Join(opsRepoRoot(t), "docs", "operations.md"))
	if !strings.Contains(docs, "exposure level **"+m[1]+"**") {
		t.Errorf("docs/operations.md does not quote the current exposure level **%s**", m[1])
	}
}

// Settings the daemon's behaviour depends on, which verify cannot judge.
func TestUnitFileSettings(t *testing.T) {
	unit := mustRead(t, filepath.Join(opsRepoRoot(t), "systemd", "radiogw.service"))
	for _, want := range []string{
		"Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "WatchdogSec=30s", "Restart=on-failure",
		"User=radiogw", "SupplementaryGroups=dialout", "StateDirectory=radiogw", "ConfigurationDirectory=radiogw",
		"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "DevicePolicy=closed",
		"DeviceAllow=char-ttyS rw", "DeviceAllow=char-ttyUSB rw", "DeviceAllow=char-ttyACM rw",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK", "SystemCallFilter=@system-service",
	} {
		if !strings.Contains(unit, "\n"+want+"\n") {
			t.Errorf("radiogw.service lacks %q", want)
		}
	}
	// The drain budget is 10 s (runtime.Options.DrainBudget); systemd must
	// not SIGKILL the daemon while the sinks flush.
	m := regexp.MustCompile(`\nTimeoutStopSec=(\d+)s\n`).FindStringSubmatch(unit)
	if m == nil {
		t.Fatal("radiogw.service has no TimeoutStopSec=<n>s")
	}
	if n, _ := strconv.Atoi(m[1]); n <= 10 {
		t.Errorf("TimeoutStopSec=%ss is not above the 10 s drain budget", m[1])
	}
}

// sysusers.d and tmpfiles.d files applied to an empty root: the user exists,
// is in dialout, and the directories get the modes the unit expects.
func TestSysusersTmpfiles(t *testing.T) {
	sysusers := testsvc.LookPath(t, "systemd-sysusers", "apt-get install systemd")
	tmpfiles := testsvc.LookPath(t, "systemd-tmpfiles", "apt-get install systemd")
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "etc", "group"), []byte("root:x:0:\ndialout:x:20:\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc", "passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644)
	dir := filepath.Join(opsRepoRoot(t), "systemd")
	if out, err := exec.Command(sysusers, "--root="+root, filepath.Join(dir, "radiogw.sysusers")).CombinedOutput(); err != nil {
		t.Fatalf("systemd-sysusers: %v\n%s", err, out)
	}
	passwd := mustRead(t, filepath.Join(root, "etc", "passwd"))
	m := regexp.MustCompile(`(?m)^radiogw:x:(\d+):(\d+):[^:]*:/var/lib/radiogw:/usr/sbin/nologin$`).FindStringSubmatch(passwd)
	if m == nil {
		t.Fatalf("no radiogw system user with home /var/lib/radiogw and nologin:\n%s", passwd)
	}
	if uid, _ := strconv.Atoi(m[1]); uid >= 1000 || uid == 0 {
		t.Errorf("radiogw uid %d is not a system uid", uid)
	}
	group := mustRead(t, filepath.Join(root, "etc", "group"))
	if !regexp.MustCompile(`(?m)^dialout:x:20:radiogw$`).MatchString(group) {
		t.Errorf("radiogw is not in dialout:\n%s", group)
	}

	os.MkdirAll(filepath.Join(root, "etc", "radiogw"), 0o755)
	os.WriteFile(filepath.Join(root, "etc", "radiogw", "radiogw.hcl"), []byte("site = \"x\"\n"), 0o644)
	if out, err := exec.Command(tmpfiles, "--root="+root, "--create", filepath.Join(dir, "radiogw.tmpfiles")).CombinedOutput(); err != nil {
		t.Fatalf("systemd-tmpfiles: %v\n%s", err, out)
	}
	gid, _ := strconv.Atoi(m[2])
	uid, _ := strconv.Atoi(m[1])
	for _, c := range []struct {
		path     string
		mode     os.FileMode
		uid, gid int
	}{
		{"etc/radiogw", 0o750 | os.ModeDir, 0, gid},
		{"etc/radiogw/radiogw.hcl", 0o640, 0, gid},
		{"var/lib/radiogw", 0o750 | os.ModeDir, uid, gid},
	} {
		fi, err := os.Stat(filepath.Join(root, c.path))
		if err != nil {
			t.Errorf("tmpfiles did not create /%s: %v", c.path, err)
			continue
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode() != c.mode || int(st.Uid) != c.uid || int(st.Gid) != c.gid {
			t.Errorf("/%s is %v %d:%d, want %v %d:%d", c.path, fi.Mode(), st.Uid, st.Gid, c.mode, c.uid, c.gid)
		}
	}
}

// Every rule in the udev example names a tty by USB identity, links it under
// /dev/radiogw/ and gives it the group the unit runs with.
func TestUdevRuleExample(t *testing.T) {
	f, err := os.Open(filepath.Join(opsRepoRoot(t), "systemd", "99-radiogw-serial.rules.example"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rules := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rules++
		for _, want := range []string{`SUBSYSTEM=="tty"`, `ATTRS{idVendor}=="`, `ATTRS{idProduct}=="`,
			`SYMLINK+="radiogw/`, `GROUP="dialout"`} {
			if !strings.Contains(line, want) {
				t.Errorf("rule lacks %s: %s", want, line)
			}
		}
		if !strings.Contains(line, `ATTRS{serial}=="`) && !strings.Contains(line, `KERNELS=="`) {
			t.Errorf("rule matches neither a serial number nor a USB port path: %s", line)
		}
	}
	if rules == 0 {
		t.Fatal("no rules in the udev example")
	}
}

// `make install` honours DESTDIR and PREFIX, installs a config that
// `radiogw check` accepts with an empty environment, never overwrites an
// edited config, and `make uninstall` removes what it installed but the
// configuration.
func TestMakeInstall(t *testing.T) {
	mk := testsvc.LookPath(t, "make", "apt-get install make")
	root := opsRepoRoot(t)
	dest := t.TempDir()
	// A private BIN keeps the checkout's bin/radiogw untouched.
	bin := filepath.Join(t.TempDir(), "radiogw")
	runMake := func(args ...string) {
		t.Helper()
		cmd := exec.Command(mk, append([]string{"--no-print-directory", "-C", root, "BIN=" + bin, "DESTDIR=" + dest}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	runMake("install", "PREFIX=/usr/local")

	files := map[string]os.FileMode{
		"usr/local/bin/radiogw":                                 0o755,
		"etc/systemd/system/radiogw.service":                    0o644,
		"usr/lib/sysusers.d/radiogw.conf":                       0o644,
		"usr/lib/tmpfiles.d/radiogw.conf":                       0o644,
		"usr/share/doc/radiogw/99-radiogw-serial.rules.example": 0o644,
		"usr/share/doc/radiogw/operations.md":                   0o644,
		"etc/radiogw/radiogw.hcl":                               0o640,
		"etc/radiogw/broker-wall.pass":                          0o640,
		"etc/radiogw/broker-dispatch.pass":                      0o640,
		"etc/radiogw/http-read.token":                           0o640,
		"etc/radiogw/http-write.token":                          0o640,
		"etc/radiogw":                                           0o750 | os.ModeDir,
	}
	for path, mode := range files {
		fi, err := os.Stat(filepath.Join(dest, path))
		if err != nil {
			t.Errorf("make install did not install /%s: %v", path, err)
			continue
		}
		if fi.Mode() != mode {
			t.Errorf("/%s has mode %v, want %v", path, fi.Mode(), mode)
		}
	}
	unit := mustRead(t, filepath.Join(dest, "etc/systemd/system/radiogw.service"))
	if !strings.Contains(unit, "\nExecStart=/usr/local/bin/radiogw run -config /etc/radiogw/radiogw.hcl\n") {
		t.Errorf("installed unit does not start the installed binary")
	}

	// The installed binary accepts the installed config with no environment.
	installed := filepath.Join(dest, "usr/local/bin/radiogw")
	check := exec.Command(installed, "check", "-config", filepath.Join(dest, "etc/radiogw/radiogw.hcl"))
	check.Env = []string{}
	if out, err := check.CombinedOutput(); err != nil || !strings.Contains(string(out), ": ok (") {
		t.Errorf("radiogw check of the installed config: %v\n%s", err, out)
	}

	// The secrets are random, distinct and not overwritten by a second
	// install.
	secrets := map[string]string{}
	for _, f := range []string{"broker-wall.pass", "broker-dispatch.pass", "http-read.token", "http-write.token"} {
		v := strings.TrimSpace(mustRead(t, filepath.Join(dest, "etc/radiogw", f)))
		if len(v) < 24 {
			t.Errorf("/etc/radiogw/%s holds %d characters; want a random secret", f, len(v))
		}
		for other, ov := range secrets {
			if ov == v {
				t.Errorf("/etc/radiogw/%s and %s hold the same secret", f, other)
			}
		}
		secrets[f] = v
	}
	defer func() {
		for f, v := range secrets {
			if got := strings.TrimSpace(mustRead(t, filepath.Join(dest, "etc/radiogw", f))); got != v {
				t.Errorf("a second make install replaced /etc/radiogw/%s", f)
			}
		}
	}()

	// An edited config survives a second install; PREFIX moves the binary
	// and ExecStart together.
	conf := filepath.Join(dest, "etc/radiogw/radiogw.hcl")
	edited := mustRead(t, conf) + "# edited on site\n"
	os.WriteFile(conf, []byte(edited), 0o640)
	runMake("install", "PREFIX=/opt/radiogw")
	if mustRead(t, conf) != edited {
		t.Errorf("make install overwrote an edited /etc/radiogw/radiogw.hcl")
	}
	if _, err := os.Stat(filepath.Join(dest, "opt/radiogw/bin/radiogw")); err != nil {
		t.Errorf("PREFIX=/opt/radiogw: %v", err)
	}
	unit = mustRead(t, filepath.Join(dest, "etc/systemd/system/radiogw.service"))
	if !strings.Contains(unit, "\nExecStart=/opt/radiogw/bin/radiogw run ") {
		t.Errorf("ExecStart does not follow PREFIX=/opt/radiogw")
	}

	runMake("uninstall", "PREFIX=/opt/radiogw")
	runMake("uninstall", "PREFIX=/usr/local")
	for path := range files {
		_, err := os.Stat(filepath.Join(dest, path))
		keep := strings.HasPrefix(path, "etc/radiogw")
		if keep && err != nil {
			t.Errorf("make uninstall removed the configuration /%s", path)
		}
		if !keep && err == nil {
			t.Errorf("make uninstall left /%s", path)
		}
	}
	if _, err := os.Stat(filepath.Join(dest, "opt/radiogw/bin/radiogw")); err == nil {
		t.Errorf("make uninstall PREFIX=/opt/radiogw left the binary")
	}
}

// Black-box check of the watchdog's wiring to the tracker loop: while the
// loop has not turned (here startup hangs reading a snapshot that is a FIFO
// nobody writes, as a hung NFS mount would), the real binary sends neither
// READY=1 nor WATCHDOG=1 and says why; once the read completes, READY=1
// and the pings follow.
func TestWatchdogWithheldWhileStalled(t *testing.T) {
	sock := sdtest.Listen(t)
	s := newSite(t)
	s.write(t)
	data := filepath.Join(s.dir, "data")
	if err := os.MkdirAll(data, 0o750); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(data, "snapshot.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	env := append(sock.Env(), "WATCHDOG_USEC=1000000")
	p := testsvc.Start(t, env, binary, "run", "-config", s.config)

	p.WaitOutput(t, "pipeline stuck: withholding watchdog ping", 20*time.Second)
	time.Sleep(time.Second) // two more ping intervals
	if msgs := sock.Messages(); len(msgs) != 0 {
		t.Fatalf("a stalled daemon notified %q", msgs)
	}

	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Close() // an empty snapshot: refused with a warning, startup goes on
	_, i := sock.WaitFrom(t, 0, "READY=1", 20*time.Second)
	sock.WaitFrom(t, i+1, "WATCHDOG=1", 5*time.Second)
	p.WaitOutput(t, "snapshot not restored", 5*time.Second)

	stopClean(t, p, 30*time.Second)
}
