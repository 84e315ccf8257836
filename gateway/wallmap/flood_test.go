package wallmap

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"
)

// flood publishes the 10,000-unit test's rounds of unit states over its
// own MQTT connection. It stands for the field and the gateway, which on a
// real wall run on another machine than the display: so that they take as
// little as they can of the two cores the page is measured on, each unit's
// payload is a template with its position spliced in, and a round goes
// out QoS 0 in 64 KiB writes, not one write per message (radiogw's own
// publisher, gateway/publish/mqtt/session, also writes a batch at once).
type flood struct {
	t     *testing.T
	conn  net.Conn
	r     *bufio.Reader
	buf   bytes.Buffer
	units []floodUnit
}

// floodUnit is one unit's topic and its state payload cut around the
// position: head, lat, mid, lon, tail.
type floodUnit struct {
	topic           string
	head, mid, tail []byte
	payload         []byte
}

const floodLat, floodLon = 1234.5, -5678.5 // markers, cut out of the template

func dialFlood(t *testing.T, addr string, topics []string, template func(i int, lat, lon float64) []byte) *flood {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(addr, "tcp://"), 10*time.Second)
	if err != nil {
		t.Fatalf("flood publisher: %v", err)
	}
	f := &flood{t: t, conn: conn, r: bufio.NewReader(conn)}
	pk := packets.Packet{ProtocolVersion: 4, FixedHeader: packets.FixedHeader{Type: packets.Connect}}
	pk.Connect.ProtocolName = []byte("MQTT")
	pk.Connect.Clean = true
	pk.Connect.ClientIdentifier = "wallmap-test-flood"
	pk.Connect.Keepalive = 600 // no pings: the connection idles for minutes after the flood
	if err := pk.ConnectEncode(&f.buf); err != nil {
		t.Fatal(err)
	}
	f.flush()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if fh := f.read(); fh.Type != packets.Connack {
		t.Fatalf("flood publisher: got packet type %d, want CONNACK", fh.Type)
	}
	const latKey, lonKey = `"lat":`, `"lon":`
	latMark := []byte(latKey + strconv.FormatFloat(floodLat, 'f', -1, 64))
	lonMark := []byte(lonKey + strconv.FormatFloat(floodLon, 'f', -1, 64))
	for i, topic := range topics {
		p := template(i, floodLat, floodLon)
		a, b := bytes.Index(p, latMark), bytes.Index(p, lonMark)
		if a < 0 || b < a {
			t.Fatalf("flood publisher: no position to splice in %s", p)
		}
		f.units = append(f.units, floodUnit{topic: topic,
			head: p[:a+len(latKey)], mid: p[a+len(latMark) : b+len(lonKey)], tail: p[b+len(lonMark):]})
	}
	return f
}

// publish sends unit i's state at lat, lon, retained, QoS 0.
func (f *flood) publish(i int, lat, lon float64) {
	u := &f.units[i]
	p := append(u.payload[:0], u.head...)
	p = strconv.AppendFloat(p, lat, 'f', -1, 64)
	p = append(p, u.mid...)
	p = strconv.AppendFloat(p, lon, 'f', -1, 64)
	u.payload = append(p, u.tail...)
	pk := packets.Packet{ProtocolVersion: 4, FixedHeader: packets.FixedHeader{Type: packets.Publish, Retain: true},
		TopicName: u.topic, Payload: u.payload}
	if err := pk.PublishEncode(&f.buf); err != nil {
		f.t.Fatalf("flood publisher: %v", err)
	}
	if f.buf.Len() >= 64<<10 {
		f.flush()
	}
}

// settle sends what is buffered and waits until the broker has processed
// all of it: it acknowledges a QoS 1 publish after every earlier one on
// this connection.
func (f *flood) settle(topic string, payload []byte) {
	pk := packets.Packet{ProtocolVersion: 4, FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1, Retain: true},
		TopicName: topic, Payload: payload, PacketID: 1}
	if err := pk.PublishEncode(&f.buf); err != nil {
		f.t.Fatal(err)
	}
	f.flush()
	f.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	if fh := f.read(); fh.Type != packets.Puback {
		f.t.Fatalf("flood publisher: got packet type %d, want PUBACK", fh.Type)
	}
}

func (f *flood) flush() {
	if _, err := f.conn.Write(f.buf.Bytes()); err != nil {
		f.t.Fatalf("flood publisher: write: %v", err)
	}
	f.buf.Reset()
}

// read reads one packet and returns its fixed header, dropping its body.
func (f *flood) read() packets.FixedHeader {
	var fh packets.FixedHeader
	var n int
	b, err := f.r.ReadByte()
	if err == nil {
		err = fh.Decode(b)
	}
	if err == nil {
		n, _, err = packets.DecodeLength(f.r)
	}
	if err == nil {
		_, err = f.r.Discard(n)
	}
	if err != nil {
		f.t.Fatalf("flood publisher: read: %v", err)
	}
	return fh
}

func (f *flood) close() { f.conn.Close() }
