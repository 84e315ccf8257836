package testsvc

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Lab is a small network of test hosts on one machine: each host is a Linux
// network namespace with one interface on a shared Ethernet bridge, which
// lives in a namespace of its own so the machine's own interfaces are never
// touched. The test process reaches the hosts through an observer interface
// in its own namespace. Everything is removed when the test ends.
//
// Addresses are 10.<net>.0.<n>/24 inside the lab only; no traffic leaves it.
type Lab struct {
	t      testing.TB
	tag    string // short random suffix: names must be unique per test run
	net    int    // second octet of the lab's /24
	swNS   string // the namespace holding the bridge
	hosts  map[string]*Host
	nextIP int
}

// Host is one namespace in a Lab.
type Host struct {
	Name string // the namespace name
	IP   string // its address on the lab bridge
	port string // its bridge port's name, in the switch namespace
	lab  *Lab
}

// NewLab builds an empty lab: a switch namespace with a bridge, and an
// observer interface for the test process at .254. It needs root and
// iproute2, and fails the test (never skips) without them.
func NewLab(t testing.TB) *Lab {
	t.Helper()
	LookPath(t, "ip", "apt-get install iproute2")
	if os.Geteuid() != 0 {
		t.Fatalf("the lab needs root to create network namespaces (run the test as root)")
	}
	l := &Lab{t: t, tag: fmt.Sprintf("%04x", rand.IntN(1<<16)), net: 64 + rand.IntN(128), hosts: map[string]*Host{}, nextIP: 10}
	l.swNS = "rgsw" + l.tag
	t.Cleanup(l.destroy)
	l.ip("netns", "add", l.swNS)
	l.ip("-n", l.swNS, "link", "add", "br0", "type", "bridge")
	l.ip("-n", l.swNS, "link", "set", "br0", "up")
	l.ip("-n", l.swNS, "link", "set", "lo", "up")
	// The observer: the test's own namespace gets one leg on the bridge.
	obs, peer := "rgo"+l.tag, "rgop"+l.tag
	l.ip("link", "add", obs, "type", "veth", "peer", "name", peer)
	l.ip("link", "set", peer, "netns", l.swNS)
	l.ip("-n", l.swNS, "link", "set", peer, "master", "br0", "up")
	l.ip("addr", "add", l.Addr(254)+"/24", "dev", obs)
	l.ip("link", "set", obs, "up")
	return l
}

// Addr is the lab address ending in n.
func (l *Lab) Addr(n int) string { return fmt.Sprintf("10.%d.0.%d", l.net, n) }

// AddHost creates a namespace with loopback up and one interface on the
// bridge, at the next free address.
func (l *Lab) AddHost(name string) *Host {
	l.t.Helper()
	h := &Host{Name: "rg" + name + l.tag, IP: l.Addr(l.nextIP), lab: l}
	l.nextIP++
	in, port := "rgi"+fmt.Sprint(len(l.hosts))+l.tag, "rgp"+fmt.Sprint(len(l.hosts))+l.tag
	h.port = port
	l.ip("netns", "add", h.Name)
	l.ip("-n", h.Name, "link", "set", "lo", "up")
	l.ip("link", "add", in, "type", "veth", "peer", "name", port)
	l.ip("link", "set", in, "netns", h.Name)
	l.ip("link", "set", port, "netns", l.swNS)
	l.ip("-n", l.swNS, "link", "set", port, "master", "br0", "up")
	l.ip("-n", h.Name, "link", "set", in, "name", "eth0")
	l.ip("-n", h.Name, "addr", "add", h.IP+"/24", "dev", "eth0")
	l.ip("-n", h.Name, "link", "set", "eth0", "up")
	l.hosts[name] = h
	return h
}

// LinkDown pulls the host's cable: its bridge port goes down, so nothing
// crosses in either direction and established connections simply go silent.
func (h *Host) LinkDown() { h.lab.ip("-n", h.lab.swNS, "link", "set", h.port, "down") }

// LinkUp plugs it back in.
func (h *Host) LinkUp() { h.lab.ip("-n", h.lab.swNS, "link", "set", h.port, "up") }

// Command is argv run inside the host's namespace.
func (h *Host) Command(name string, args ...string) []string {
	return append([]string{"netns", "exec", h.Name, name}, args...)
}

// Start runs a command inside the host's namespace (see testsvc.Start).
func (h *Host) Start(t testing.TB, env []string, name string, args ...string) *Process {
	t.Helper()
	return Start(t, env, "ip", h.Command(name, args...)...)
}

// Run runs a command inside the host's namespace and returns its output.
func (h *Host) Run(name string, args ...string) (string, error) {
	out, err := exec.Command("ip", h.Command(name, args...)...).CombinedOutput()
	return string(out), err
}

func (l *Lab) ip(args ...string) {
	l.t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		l.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (l *Lab) destroy() {
	for _, h := range l.hosts {
		exec.Command("ip", "netns", "del", h.Name).Run()
	}
	exec.Command("ip", "link", "del", "rgo"+l.tag).Run()
	exec.Command("ip", "netns", "del", l.swNS).Run()
}
