package main

import (
	"bufio"
	"bytes"
	bin "encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"
)

// slowReader reads at most rate bytes a second on average.
type slowReader struct {
	r     io.Reader
	rate  int
	start time.Time
	n     int
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(p) > 2048 {
		p = p[:2048]
	}
	if ahead := time.Duration(s.n)*time.Second/time.Duration(s.rate) - time.Since(s.start); ahead > 0 {
		time.Sleep(ahead)
	}
	n, err := s.r.Read(p)
	s.n += n
	return n, err
}

// Issue 21: a display slower than the units it shows. 10,000 retained
// units are on the embedded broker; a display connects over MQTT and reads
// at 300 KB/s (a browser busy drawing) while every unit reports twice a
// second. It gets every unit, then each unit's newest state, not a queue
// that grows until the broker cuts it off; an emergency raised meanwhile
// reaches a display's alerts connection in a second or two whatever the
// positions connection is doing; the state replaced before it was sent is
// counted on /metrics (present at zero from the start) and never logged
// message by message.
func TestSlowDisplayGetsEveryUnitThenTheLatest(t *testing.T) {
	s := startBrokerSiteBin(t, plainBinary(t), false, "", "")
	const root, n = "radiogw/test", 10000
	m0 := scrape(t, s.httpPort)
	for _, reason := range []string{"inflight_full", "writes_pending", "superseded"} {
		if _, ok := m0[`radiogw_broker_dropped_total{reason="`+reason+`"}`]; !ok {
			t.Errorf("radiogw_broker_dropped_total{reason=%q} not present at start", reason)
		}
	}
	fleet, err := mqttConnect(s.mqttAddr(), "", "", "fleet")
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Disconnect(0)
	payload := func(i, round int) []byte {
		return fmt.Appendf(nil, `{"class":"unit","v":1,"site":"test","unit":"T%05d","status":"available","stale":"fresh","round":%d,"position":{"lat":%.6f,"lon":%.6f,"fix_time":"2026-12-05T23:00:00Z","speed_kmh":42.5,"heading":270,"source":"avl-udp"},"radio_ids":["%d"],"channel":"tac2","talking":false,"updated":"2026-12-05T23:00:00Z"}`,
			i, round, 33.7+float64(i%100)/1000, -117.8-float64(i/100)/1000, 100000+i)
	}
	publish := func(round int, qos byte) {
		var last paho.Token
		for i := range n {
			last = fleet.Publish(fmt.Sprintf("%s/units/T%05d", root, i), qos, true, payload(i, round))
		}
		if !last.WaitTimeout(60*time.Second) || last.Error() != nil {
			t.Fatalf("round %d: %v", round, last.Error())
		}
	}
	publish(0, 1)

	// the alerts connection: events at QoS 1, read at once
	alerts, err := mqttConnect(s.mqttAddr(), "", "", "display-alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer alerts.Disconnect(0)
	emergencyAt := make(chan time.Time, 4)
	alerts.Subscribe(root+"/events/+", 1, func(_ paho.Client, m paho.Message) {
		if strings.HasSuffix(m.Topic(), "/events/emergency") {
			emergencyAt <- time.Now()
		}
	}).WaitTimeout(5 * time.Second)

	// the positions connection: units at QoS 0, read slowly
	display, code := mqttDial(t, s.mqttAddr(), connectOpts{clientID: "display-units", noKeepalive: true})
	if code != 0 {
		t.Fatalf("display refused: %#x", code)
	}
	defer display.Close()
	display.subscribe(t, root+"/units/+", 0)
	var mu sync.Mutex
	latest := map[string][]byte{}
	var received atomic.Int64
	connected := time.Now()
	go func() {
		r := &rawMQTT{Conn: display.Conn, r: bufio.NewReader(&slowReader{r: display.Conn, rate: 300 << 10, start: time.Now()})}
		for {
			typ, body, err := r.packet()
			if err != nil {
				return
			}
			if typ != 3 || len(body) < 2 {
				continue
			}
			tl := int(body[0])<<8 | int(body[1])
			mu.Lock()
			latest[string(body[2:2+tl])] = body[2+tl:]
			mu.Unlock()
			received.Add(1)
		}
	}()
	count := func(round int) (all, at int) {
		mu.Lock()
		defer mu.Unlock()
		mark := fmt.Appendf(nil, `"round":%d,`, round)
		for topic, p := range latest {
			if !strings.HasPrefix(topic, root+"/units/T") {
				continue // radiogw's own unit 2A12, whose emergency the test raises
			}
			all++
			if bytes.Contains(p, mark) {
				at++
			}
		}
		return all, at
	}

	// every unit reports twice a second; an emergency in the middle
	const rounds = 10
	var raised time.Time
	for round := 1; round <= rounds; round++ {
		start := time.Now()
		publish(round, 0)
		if round == rounds/2 {
			raised = time.Now()
			s.raiseEmergency(t, "")
		}
		if d := 500*time.Millisecond - time.Since(start); d > 0 {
			time.Sleep(d)
		}
	}
	var emergencyLatency time.Duration
	select {
	case at := <-emergencyAt:
		emergencyLatency = at.Sub(raised)
	case <-time.After(10 * time.Second):
		t.Error("the emergency never reached the alerts connection")
	}
	all, _ := count(0)
	behind := received.Load()

	// the last round, as radiogw publishes (QoS 1): the display shows it
	const final = rounds + 1
	finalAt := time.Now()
	publish(final, 1)
	var caughtUp time.Duration
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, at := count(final); at == n {
			caughtUp = time.Since(finalAt)
			break
		}
	}
	got, at := count(final)
	m := scrape(t, s.httpPort)
	logged := strings.Count(s.p.Output(), "client store quota reached") + strings.Count(s.p.Output(), "superseded")
	t.Logf("%d units, %d rounds at 2/s; display reading at 300 KB/s: %d units held when the flood ended (%d messages received in %s since it connected); final round shown on all %d after %s; emergency on the alerts connection %s after it was raised; %s",
		n, rounds, all, behind, time.Since(connected).Round(time.Millisecond), at, caughtUp.Round(time.Millisecond),
		emergencyLatency.Round(time.Millisecond), strings.ReplaceAll(m.nonZero("radiogw_broker_dropped_total", "radiogw_broker_events_total"), "\n", "; "))
	if got != n || at != n {
		t.Errorf("the slow display holds %d of %d units, %d showing the final round, 2 minutes after it was published", got, n, at)
	}
	if emergencyLatency > 3*time.Second {
		t.Errorf("the emergency took %s to reach the alerts connection", emergencyLatency)
	}
	if m.get("radiogw_broker_dropped_total", `reason="superseded"`) == 0 {
		t.Error("no state superseded: the display kept up, so the test proves nothing")
	}
	for _, reason := range []string{"inflight_full", "writes_pending"} {
		if v := m.get("radiogw_broker_dropped_total", `reason="`+reason+`"`); v != 0 {
			t.Errorf("%g messages dropped (%s)", v, reason)
		}
	}
	if v := m.get("radiogw_broker_events_total", `event="slow_consumer"`); v != 0 {
		t.Errorf("the slow display was disconnected (%g)", v)
	}
	if logged > 0 {
		t.Errorf("%d log lines about dropped or superseded messages", logged)
	}
}

// An MQTT 5 subscriber at QoS 1 (a console or a site's own display with a
// Receive Maximum of 10) behind a flood of unit states: the embedded broker
// holds back what is beyond its Receive Maximum and sends it, in order, as
// the subscriber acknowledges; every message arrives, each unit's in order
// with the final round last, and the messages that waited are counted on
// /metrics (present at zero from the start).
func TestMQTT5SubscriberGetsEveryMessageAfterAFlood(t *testing.T) {
	s := startBrokerSiteBin(t, plainBinary(t), false, "", "")
	const root, n, rounds = "radiogw/test", 200, 6
	m0 := scrape(t, s.httpPort)
	if _, ok := m0[`radiogw_broker_flow_control_total{event="held"}`]; !ok {
		t.Errorf(`radiogw_broker_flow_control_total{event="held"} not present at start`)
	}
	fleet, err := mqttConnect(s.mqttAddr(), "", "", "fleet")
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Disconnect(0)
	sub, code := mqttDial(t, s.mqttAddr(), connectOpts{clientID: "console-v5", version: 5, receiveMax: 10, noKeepalive: true})
	if code != 0 {
		t.Fatalf("MQTT 5 subscriber refused: %#x", code)
	}
	defer sub.Close()
	filter := root + "/units/+"
	subscribe := []byte{0, 1, 0} // packet 1, no properties
	subscribe = bin.BigEndian.AppendUint16(subscribe, uint16(len(filter)))
	subscribe = append(append(subscribe, filter...), 1) // QoS 1
	sub.Write(append(append([]byte{0x82}, byte(len(subscribe))), subscribe...))
	var mu sync.Mutex
	lastRound := map[string]int{} // topic -> the round of its latest message
	acked, rolledBack := 0, 0
	go func() {
		for {
			typ, body, err := sub.packet()
			if err != nil {
				return
			}
			if typ != packets.Publish {
				continue
			}
			tl := int(bin.BigEndian.Uint16(body))
			rest := body[2+tl:]
			plen, k := bin.Uvarint(rest[2:]) // MQTT's variable byte integer
			time.Sleep(time.Millisecond)     // a little slower than the units
			payload := string(rest[2+k+int(plen):])
			round, _ := strconv.Atoi(strings.TrimSuffix(payload[strings.LastIndexByte(payload, ':')+1:], "}"))
			topic := string(body[2 : 2+tl])
			mu.Lock()
			if round < lastRound[topic] {
				rolledBack++
			}
			lastRound[topic] = round
			acked++
			mu.Unlock()
			if _, err := sub.Write([]byte{0x40, 2, rest[0], rest[1]}); err != nil {
				return
			}
		}
	}()
	time.Sleep(500 * time.Millisecond) // subscribed before the rounds
	for round := 1; round <= rounds; round++ {
		var last paho.Token
		for i := range n {
			last = fleet.Publish(fmt.Sprintf("%s/units/T%03d", root, i), 1, true, fmt.Sprintf(`{"class":"unit","v":1,"unit":"T%03d","round":%d}`, i, round))
		}
		if !last.WaitTimeout(30*time.Second) || last.Error() != nil {
			t.Fatalf("round %d: %v", round, last.Error())
		}
	}
	count := func() (got, final, back int) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range lastRound {
			if r == rounds {
				final++
			}
		}
		return acked, final, rolledBack
	}
	got, final, back := count()
	for deadline := time.Now().Add(60 * time.Second); got < rounds*n && time.Now().Before(deadline); got, final, back = count() {
		time.Sleep(100 * time.Millisecond)
	}
	m := scrape(t, s.httpPort)
	held := m.get("radiogw_broker_flow_control_total", `event="held"`)
	t.Logf("%d units, %d rounds at QoS 1 to an MQTT 5 subscriber with Receive Maximum 10: %d of %d messages acknowledged, the final round last for %d units, %d after a newer one; %g messages waited for an acknowledgement",
		n, rounds, got, rounds*n, final, back, held)
	if got != rounds*n || final != n {
		t.Errorf("the MQTT 5 subscriber got %d of %d messages and the final round as the last message of %d of %d units after 60 s", got, rounds*n, final, n)
	}
	if back != 0 {
		t.Errorf("%d messages reached the subscriber after a newer one on their topic: the wall would roll a unit back", back)
	}
	if held == 0 {
		t.Error("no message waited for the subscriber's Receive Maximum: the test proves nothing")
	}
}
