package sim

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"radiogw/gateway/codec/lrrp"
)

// lrrpPort is where MOTOTRBO radios listen for location requests; radiogw
// sends its triggered request to <radio host>:4001 after an ARS registration.
const lrrpPort = 4001

// transport owns the sockets: one shared socket for units that need no
// identity of their own, one per NMEA modem (when few enough) and one per
// LRRP radio, bound to the radio's loopback address.
type transport struct {
	dst    [numDests]netip.AddrPort
	shared *net.UDPConn
	own    []*net.UDPConn
	log    *slog.Logger

	failed  atomic.Int64
	readers sync.WaitGroup
}

func openTransport(o Options, f *field) (*transport, error) {
	t := &transport{log: o.Logger}
	for d, addr := range [numDests]string{toNMEA: o.NMEAAddr, toTAIP: o.TAIPAddr, toLRRP: o.LRRPAddr, toARS: o.ARSAddr, toCalAmp: o.CalAmpAddr} {
		if addr == "" {
			continue
		}
		ua, err := net.ResolveUDPAddr("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("sim: destination %q: %w", addr, err)
		}
		t.dst[d] = ua.AddrPort()
	}
	var err error
	if t.shared, err = net.ListenUDP("udp", nil); err != nil {
		return nil, fmt.Errorf("sim: udp socket: %w", err)
	}
	enabled := map[string]bool{}
	for _, p := range o.enabledProtocols() {
		enabled[p] = true
	}
	fallback := 0
	for _, u := range f.units {
		switch {
		case !enabled[u.Protocol]:
		case u.Protocol == ProtoNMEA && u.ownSocket:
			c, err := net.ListenUDP("udp", nil)
			if err != nil {
				t.close()
				return nil, fmt.Errorf("sim: unit %s: udp socket: %w", u.CallSign, err)
			}
			u.conn = c
			t.own = append(t.own, c)
		case u.Protocol == ProtoLRRP:
			c, onPort, err := listenRadio(u.AVLID)
			if err != nil {
				t.close()
				return nil, fmt.Errorf("sim: lrrp unit %s: %w", u.CallSign, err)
			}
			if !onPort {
				fallback++
			}
			u.conn = c
			t.own = append(t.own, c)
			t.readers.Add(1)
			go t.radio(u)
		}
	}
	if fallback > 0 {
		o.Logger.Warn("lrrp radios could not bind port 4001 on their address; location requests from radiogw will not reach them, they report unsolicited",
			"radios", fallback)
	}
	return t, nil
}

// listenRadio binds the radio's own address, on port 4001 when free so
// radiogw's location requests reach it.
func listenRadio(host string) (*net.UDPConn, bool, error) {
	ip := net.ParseIP(host)
	if c, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip, Port: lrrpPort}); err == nil {
		return c, true, nil
	}
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip})
	if err != nil {
		return nil, false, fmt.Errorf("bind %s: %w", host, err)
	}
	return c, false, nil
}

// radio answers location requests as a MOTOTRBO radio does: a triggered
// request is acknowledged and its ID echoed in every later report; a stop
// request turns reports back to unsolicited.
func (t *transport) radio(u *unit) {
	defer t.readers.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := u.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		doc, err := lrrp.Parse(buf[:n])
		if err != nil {
			continue
		}
		switch doc.Type {
		case lrrp.DocTriggeredLocationStartRequest, lrrp.DocTriggeredLocationStartRequestNCDT:
			u.requestID.Store(doc.RequestID)
			u.triggered.Store(true)
			u.conn.WriteToUDPAddrPort(lrrp.SuccessAnswer(lrrp.DocTriggeredLocationStartAnswerNCDT, doc.RequestID), from)
		case lrrp.DocTriggeredLocationStopRequest, lrrp.DocTriggeredLocationStopRequestNCDT:
			u.triggered.Store(false)
			u.conn.WriteToUDPAddrPort(lrrp.SuccessAnswer(lrrp.DocTriggeredLocationStopAnswerNCDT, doc.RequestID), from)
		}
	}
}

// send delivers one message. Failures (radiogw down or restarting) are
// counted and logged sparingly; the field keeps driving.
func (t *transport) send(u *unit, d dest, b []byte) {
	to := t.dst[d]
	if !to.IsValid() {
		return
	}
	c := u.conn
	if c == nil {
		c = t.shared
	}
	if _, err := c.WriteToUDPAddrPort(b, to); err != nil {
		if n := t.failed.Add(1); n == 1 || n%1000 == 0 {
			t.log.Warn("simulated unit could not send", "unit", u.CallSign, "to", to, "err", err, "failures", n)
		}
	}
}

func (t *transport) close() {
	if t.shared != nil {
		t.shared.Close()
	}
	for _, c := range t.own {
		c.Close()
	}
	t.readers.Wait()
}
