package ars

import (
	"testing"

	"radiogw/gateway/codec/codectest"
	"radiogw/gateway/codec/lrrp"
)

// TestGolden decodes every testdata/<case>/input (UDP datagrams in hex, one
// a line, from radio 1234's address unless case.json says) with an lrrp
// source running, and compares the reading, replies included, with
// expected.json.
func TestGolden(t *testing.T) {
	codectest.Run(t, codectest.Config{New: New, Source: "ars", Framing: codectest.HexDatagrams,
		Peer: lrrp.RadioAddress(1234, 12) + ":4005", Sources: map[string]string{"lrrp": "lrrp"}, MinCases: 4})
}

// TestEncoderCases keeps the encoder case's input what radiogw itself sends
// to a radio's ARS port: heard back (a loop, a mirror port), it is no
// registration.
func TestEncoderCases(t *testing.T) {
	codectest.KeepInput(t, "testdata/encoder-own-messages", codectest.HexLines(RegistrationAck(DefaultRefresh), QueryRequest()),
		"radiogw's ars.RegistrationAck and ars.QueryRequest (golden_test.go TestEncoderCases): radiogw's own messages to a radio")
}
