package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	mqttsink "radiogw/gateway/publish/mqtt"
	"radiogw/gateway/topicname"
	"radiogw/hcl"
)

// An active/standby pair (the ha block, docs/SCALING.md): keepalived moves a
// virtual IP between two radiogw hosts and tells each, through its notify
// script and `radiogw role`, whether it is the active. Only the active
// publishes. The standby follows the active's retained unit states on the
// shared broker into its own trackers, open emergencies included, so that on
// takeover it carries on from what the wall shows. The election is
// keepalived's; radiogw only obeys it.

// Role is "active" or "standby"; a single instance (no ha block) is always
// active.
func (d *Daemon) Role() string {
	if d.mqtt != nil && d.mqtt.Passive() {
		return hcl.RoleStandby
	}
	return hcl.RoleActive
}

// SetRole switches this instance of a pair. Taking over republishes every
// state at once; stepping down disconnects from the broker cleanly.
func (d *Daemon) SetRole(role string) error {
	if d.config().HA == nil {
		return fmt.Errorf("not one of a pair: the configuration has no ha block")
	}
	if role != hcl.RoleActive && role != hcl.RoleStandby {
		return fmt.Errorf("role %q: want %q or %q", role, hcl.RoleActive, hcl.RoleStandby)
	}
	if d.Role() == role {
		return nil
	}
	d.mqtt.SetPassive(role == hcl.RoleStandby)
	d.metrics.RoleChanges.WithLabelValues(role).Inc()
	d.setRoleGauge()
	d.log.Warn("role changed", "role", role)
	return nil
}

func (d *Daemon) setRoleGauge() {
	active := 0.0
	if d.Role() == hcl.RoleActive {
		active = 1
	}
	d.metrics.Active.Set(active)
}

// mqttBatch is what the MQTT sink gets of a step. A standby publishes no
// events: the active does (the standby's would be duplicates, replayed on
// takeover); they still reach InfluxDB.
func (d *Daemon) mqttBatch(b change.Batch) change.Batch {
	if len(b.Events) == 0 || d.mqtt == nil || !d.mqtt.Passive() {
		return b
	}
	d.metrics.Drops.WithLabelValues("sink_mqtt", "standby").Add(float64(len(b.Events)))
	b.Events = nil
	return b
}

// followedUnit is the part of a retained unit payload (docs/mqtt.md) a
// standby adopts.
type followedUnit struct {
	Unit      string                `json:"unit"`
	AlphaTag  string                `json:"unit_alpha_tag"`
	Type      string                `json:"type"`
	RadioIDs  []string              `json:"radio_ids"`
	AVLIDs    []string              `json:"avl_ids"`
	Unlisted  bool                  `json:"unlisted"`
	Position  *avl.SnapshotPosition `json:"position"`
	Stale     string                `json:"stale"`
	Motion    string                `json:"motion"`
	Beat      string                `json:"beat"`
	Status    string                `json:"status"`
	StatusAt  time.Time             `json:"status_time"`
	Channel   string                `json:"channel"`
	Talking   bool                  `json:"talking"`
	LastHeard time.Time             `json:"last_heard"`
	Emergency *struct {
		ID      string    `json:"id"`
		Since   time.Time `json:"since"`
		AckedBy string    `json:"acked_by"`
		AckedAt time.Time `json:"acked_at"`
	} `json:"emergency"`
	Updated    time.Time `json:"updated"`
	Power      string    `json:"radio_power"`
	PowerSince time.Time `json:"radio_power_since"`
	Alias      string    `json:"radio_alias"`
}

// runFollower subscribes to the pair's retained unit states and applies them
// while this instance is the standby. It has its own connection, without a
// last will: the standby must never speak for the site.
func (d *Daemon) runFollower(ctx context.Context, cfg *hcl.Config) {
	m := cfg.MQTT
	tlsCfg, err := tlsConfig(m.TLS)
	if err != nil {
		d.log.Error("follower: tls", "err", err)
		return
	}
	clientID := "radiogw-" + cfg.Site
	if m.ClientID != "" {
		clientID = m.ClientID
	}
	in := make(chan []byte, 4096)
	topic, qos := mqttsink.UnitStates(d.topicRoot())
	opts := paho.NewClientOptions().AddBroker(m.Broker).SetClientID(clientID + "-follow").
		SetUsername(m.Username).SetPassword(m.Password.Value()).SetCleanSession(true).
		SetAutoReconnect(true).SetConnectRetry(true).SetConnectRetryInterval(time.Second).
		SetMaxReconnectInterval(2 * time.Second).SetKeepAlive(m.KeepAlive).SetOrderMatters(false).
		SetOnConnectHandler(func(c paho.Client) {
			c.Subscribe(topic, qos, func(_ paho.Client, msg paho.Message) {
				select {
				case in <- msg.Payload():
				default:
					d.metrics.Drops.WithLabelValues("follower", "queue_full").Inc()
				}
			})
		})
	if tlsCfg != nil {
		opts.SetTLSConfig(tlsCfg)
	}
	c := paho.NewClient(opts)
	c.Connect()
	defer c.Disconnect(100)
	for {
		select {
		case <-ctx.Done():
			return
		case payload := <-in:
			if d.Role() != hcl.RoleStandby {
				continue // the active's own echoes
			}
			if err := d.call(ctx, func() { d.follow(payload) }); err != nil {
				return
			}
		}
	}
}

// follow applies one retained unit state on the tracker goroutine.
func (d *Daemon) follow(payload []byte) {
	if len(payload) == 0 {
		return // a deleted topic
	}
	var u followedUnit
	if err := json.Unmarshal(payload, &u); err != nil {
		d.metrics.Drops.WithLabelValues("follower", "malformed").Inc()
		return
	}
	// The retained state comes off a broker: its name is checked like any
	// other name from the wire.
	if reason := topicname.Check(u.Unit); reason != "" {
		d.metrics.Drops.WithLabelValues("follower", "invalid").Inc()
		d.metrics.NamesRejected.WithLabelValues("follower", reason).Inc()
		return
	}
	rec := avl.UnitRecord{ID: u.Unit, AlphaTag: u.AlphaTag, Type: u.Type, RadioIDs: u.RadioIDs, AVLIDs: u.AVLIDs,
		Unlisted: u.Unlisted, Position: u.Position, Stale: u.Stale, Motion: u.Motion, Beat: u.Beat,
		Status: u.Status, StatusAt: u.StatusAt, Channel: u.Channel, Talking: u.Talking, LastHeard: u.LastHeard,
		Updated: u.Updated, Power: u.Power, PowerAt: u.PowerSince, Alias: u.Alias}
	var em *channels.EmergencyState
	if e := u.Emergency; e != nil {
		rec.Emergency = &avl.SnapshotEmergency{ID: e.ID, Since: e.Since, AckedBy: e.AckedBy, AckedAt: e.AckedAt}
		em = &channels.EmergencyState{ID: e.ID, Since: e.Since, AckedBy: e.AckedBy, AckedAt: e.AckedAt, Channel: u.Channel}
	}
	ch, changed, err := d.pipe.Units().Follow(&rec)
	if err != nil {
		d.metrics.Drops.WithLabelValues("follower", "invalid").Inc()
		return
	}
	if !changed {
		return
	}
	radio := emergencyRadio(em, u.RadioIDs)
	d.pipe.Channels().FollowEmergency(radio, em)
	d.metrics.Followed.Inc()
	// Only the MQTT sink's latest-state table learns it, for takeover: the
	// active already wrote this state to InfluxDB.
	if d.mqtt != nil {
		d.mqtt.Write(change.Batch{Units: []avl.Change{ch}})
	}
}

// emergencyRadio is the radio that raised em. Emergency IDs are
// "e-<radio>-<unix seconds of since>[-n]" (channels.newEmergencyID); the
// unit's first radio stands in for an ID of another form.
func emergencyRadio(em *channels.EmergencyState, radios []string) string {
	if em != nil {
		rest := strings.TrimPrefix(em.ID, "e-")
		if i := strings.LastIndex(rest, "-"+strconv.FormatInt(em.Since.Unix(), 10)); i > 0 && rest != em.ID {
			return rest[:i]
		}
	}
	if len(radios) > 0 {
		return radios[0]
	}
	return ""
}
