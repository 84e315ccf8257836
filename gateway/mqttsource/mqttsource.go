// Package mqttsource is the "mqtt" source type: it subscribes to another
// system's MQTT topics (trunk-recorder's status and unit feeds) and hands
// each message on as a frame. gateway/source may not import an MQTT
// client, so this source type is a room of its own.
package mqttsource

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/gateway/codec/trunkrecorder"
	"radiogw/gateway/frame"
	"radiogw/gateway/source"
	"radiogw/hcl"
)

// Source subscribes to another system's MQTT topics (a trunk-recorder
// instance's status and unit feeds) and hands each message on as a frame
// whose Peer is the topic.
type Source struct {
	cfg    hcl.Source
	topics []string
	seq    atomic.Uint64
}

// New builds the source of configuration block s.
func New(s hcl.Source) (*Source, error) {
	if s.Broker == "" {
		return nil, fmt.Errorf("source %q: broker is required", s.Name)
	}
	var err error
	if s.Framing, s.MaxFrame, err = source.SourceSchema().Frames(source.TypeMQTT, s.Framing, s.MaxFrame); err != nil {
		return nil, fmt.Errorf("source %q: %w", s.Name, err)
	}
	topics := s.Topics
	if len(topics) == 0 {
		topics = trunkrecorder.Topics(s.TopicPrefix)
	}
	return &Source{cfg: s, topics: topics}, nil
}

func (m *Source) Name() string { return m.cfg.Name }

func (m *Source) Run(ctx context.Context, h source.Hooks) error {
	handler := func(_ paho.Client, msg paho.Message) {
		// A message over max_frame is refused like an oversize frame of any
		// other source: counted, never decoded or copied.
		if len(msg.Payload()) > m.cfg.MaxFrame {
			h.Count(source.DiscardOversize)
			return
		}
		// Never block here: Emit decodes and queues without waiting.
		h.Emit(frame.Frame{Source: m.cfg.Name, Seq: m.seq.Add(1), Peer: msg.Topic(), Received: time.Now(),
			Data: append([]byte(nil), msg.Payload()...)})
	}
	opts := paho.NewClientOptions().AddBroker(m.cfg.Broker).
		SetClientID(fmt.Sprintf("radiogw-%s-%d", m.cfg.Name, time.Now().UnixNano()%1e6)).
		SetUsername(m.cfg.Username).SetPassword(m.cfg.Password.Value()).
		SetCleanSession(true).SetOrderMatters(false).
		SetAutoReconnect(true).SetConnectRetry(true).SetMaxReconnectInterval(30 * time.Second).
		SetOnConnectHandler(func(c paho.Client) {
			// A clean session forgets subscriptions: subscribe on every connect.
			for _, t := range m.topics {
				c.Subscribe(t, 0, handler)
			}
			h.Up("")
		}).
		SetConnectionLostHandler(func(_ paho.Client, err error) { h.Down("", err) }).
		SetReconnectingHandler(func(paho.Client, *paho.ClientOptions) { h.Count("reconnect") })
	c := paho.NewClient(opts)
	c.Connect()
	<-ctx.Done()
	c.Disconnect(250)
	return nil
}
