package sim

import (
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"radiogw/gateway/codec/lrrp"
)

func listen(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

type datagram struct {
	from *net.UDPAddr
	data string
}

func collect(c *net.UDPConn) <-chan datagram {
	ch := make(chan datagram, 1024)
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := c.ReadFromUDP(buf)
			if err != nil {
				close(ch)
				return
			}
			select {
			case ch <- datagram{from, string(buf[:n])}:
			default:
			}
		}
	}()
	return ch
}

// TestRunOverRealSockets runs a small field against UDP listeners and a
// console reader, as radiogw would see it.
func TestRunOverRealSockets(t *testing.T) {
	nm, tp, lr, ars := listen(t), listen(t), listen(t), listen(t)
	nmC, tpC, lrC, arsC := collect(nm), collect(tp), collect(lr), collect(ars)
	console := filepath.Join(t.TempDir(), "console")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	units := []SimUnit{
		{CallSign: "2A12", AVLID: "4521", RadioID: "1201", Protocol: ProtoNMEA},
		{CallSign: "2A13", AVLID: "4531", RadioID: "1301", Protocol: ProtoNMEA},
		{CallSign: "2A14", AVLID: "0017", RadioID: "1401", Protocol: ProtoTAIP},
		{CallSign: "3L1", AVLID: RadioHost(201), RadioID: "3101", Protocol: ProtoLRRP},
	}
	errc := make(chan error, 1)
	go func() {
		errc <- Run(ctx, Options{
			Seed: 1, Rate: 200 * time.Millisecond, UnitIDs: units,
			NMEAAddr: nm.LocalAddr().String(), TAIPAddr: tp.LocalAddr().String(),
			LRRPAddr: lr.LocalAddr().String(), ARSAddr: ars.LocalAddr().String(),
			ConsolePath: console, Channels: []string{"main"}, EmergencyEvery: time.Second, Logger: quiet,
		})
	}()

	// NMEA: each modem has its own source port and names itself first.
	first := map[string]string{}
	for len(first) < 2 {
		d := recv(t, nmC)
		if _, ok := first[d.from.String()]; !ok {
			first[d.from.String()] = d.data
		}
	}
	ids := []string{}
	for _, s := range first {
		if !strings.HasPrefix(s, "$PSIWMDID,") {
			t.Errorf("first sentence from a modem is %q, want $PSIWMDID", s)
		}
		ids = append(ids, s[10:14])
	}
	if !(ids[0] == "4521" && ids[1] == "4531" || ids[0] == "4531" && ids[1] == "4521") {
		t.Errorf("modem identities %v", ids)
	}
	if d := recv(t, tpC); !strings.HasPrefix(d.data, ">RPV") || !strings.Contains(d.data, ";ID=0017;") {
		t.Errorf("TAIP %q", d.data)
	}

	// LRRP: the radio registers from its own loopback address, reports, and
	// switches to triggered reports when asked on port 4001.
	reg := recv(t, arsC)
	if reg.from.IP.String() != "127.1.0.201" {
		t.Errorf("ARS registration from %s, want the radio's address 127.1.0.201", reg.from)
	}
	rep := recv(t, lrC)
	if rep.from.IP.String() != "127.1.0.201" || lrrp.DeviceID(rep.from.String()) != "127.1.0.201" {
		t.Errorf("LRRP report from %s", rep.from)
	}
	if _, err := lr.WriteToUDP(lrrp.TriggeredLocationRequest(0xBEEF, time.Second), &net.UDPAddr{IP: rep.from.IP, Port: 4001}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := recv(t, lrC)
		doc, err := lrrp.Parse([]byte(d.data))
		if err != nil {
			t.Fatal(err)
		}
		if doc.Type == lrrp.DocTriggeredLocationReportNCDT && doc.RequestID == 0xBEEF {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("radio never switched to triggered reports")
		}
	}

	// Console: a pty behind the symlink, with app_rpt lines.
	var f *os.File
	var err error
	for range 100 {
		if f, err = os.Open(console); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("console: %v", err)
	}
	defer f.Close()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			lines <- strings.TrimSpace(sc.Text())
		}
		close(lines)
	}()
	sawEmergency := false
	timeout := time.After(10 * time.Second)
	for !sawEmergency {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("console closed")
			}
			fs := strings.Fields(l)
			if len(fs) != 3 || len(fs[0]) != 14 || fs[1] != appRptNode {
				t.Fatalf("console line %q", l)
			}
			sawEmergency = strings.HasPrefix(fs[2], "E")
		case <-timeout:
			t.Fatal("no emergency on the console")
		}
	}

	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, err := os.Lstat(console); !os.IsNotExist(err) {
		t.Errorf("console link left behind: %v", err)
	}
}

func recv(t *testing.T, ch <-chan datagram) datagram {
	t.Helper()
	select {
	case d, ok := <-ch:
		if !ok {
			t.Fatal("listener closed")
		}
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("nothing received in 5 s")
	}
	return datagram{}
}
