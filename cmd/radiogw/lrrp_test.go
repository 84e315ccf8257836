package main

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"radiogw/gateway/codec/ars"
	"radiogw/gateway/codec/lrrp"
	"radiogw/gateway/testsvc"
)

// A MOTOTRBO radio registers over ARS: radiogw acknowledges it and asks it
// for triggered location reports at its unit type's interval; the radio's
// LRRP report then moves the unit. A radio's LRRP port is 4001, so the test
// stands in for the radio there.
func TestARSRegistrationAndLRRPReport(t *testing.T) {
	radioLRRP, err := net.ListenPacket("udp", "127.0.0.1:4001")
	if err != nil {
		t.Fatalf("the test plays the radio's LRRP port 127.0.0.1:4001 and needs it free: %v", err)
	}
	defer radioLRRP.Close()
	radio, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer radio.Close()

	s := newSite(t)
	arsPort, lrrpPort := testsvc.FreeUDPPort(t), testsvc.FreeUDPPort(t)
	s.extra = fmt.Sprintf(`
source "udp" "ars" {
  listen = "127.0.0.1:%d"
  codec  = "ars"
}

source "udp" "lrrp" {
  listen = "127.0.0.1:%d"
  codec  = "lrrp"
}

unit_type "handheld" {
  lrrp_interval = "15s"
}

unit "3B07" {
  type      = "handheld"
  radio_ids = ["11"]
}
`, arsPort, lrrpPort)
	s.write(t)
	s.start(t)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/units/#")

	// ARS device registration of radio "11" (from the ok-dmrlib samples).
	reg, _ := hex.DecodeString("0007F0200231310000")
	if _, err := radio.WriteTo(reg, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: arsPort}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 512)
	radio.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _, err := radio.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no ARS acknowledgement: %v", err)
	}
	if !bytes.Equal(buf[:n], ars.RegistrationAck(30*time.Minute)) {
		t.Errorf("ARS ack % X, want % X", buf[:n], ars.RegistrationAck(30*time.Minute))
	}
	radioLRRP.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _, err = radioLRRP.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no triggered location request at the radio's port 4001: %v", err)
	}
	doc, err := lrrp.Parse(buf[:n])
	if err != nil {
		t.Fatalf("location request % X: %v", buf[:n], err)
	}
	if !strings.Contains(fmt.Sprintf("%+v", doc), "Interval:15s") {
		t.Errorf("request does not ask for the handheld interval of 15s: %+v", doc)
	}

	// A real triggered report (ok-dmrlib capture) from the radio's address:
	// on loopback the radio is known by its host, so it is tracked unlisted.
	report, _ := hex.DecodeString("0d162204c00000005148610c340ad0ecf70c126c003656a2")
	if _, err := radio.WriteTo(report, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: lrrpPort}); err != nil {
		t.Fatal(err)
	}
	sub.waitTopic(t, "radiogw/test/units/127.0.0.1", 10*time.Second, positionAt(50.891549, 15.210163))
}
