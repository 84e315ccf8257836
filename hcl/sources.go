package hcl

import (
	"slices"
	"strconv"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
)

// LinesCodec is the codec that needs a line profile.
const LinesCodec = "lines"

var sourceTypes = []string{SourceSerial, SourceUDP, SourceTCPClient, SourceTCPListen, SourceMQTT, SourceHTTP}

// Serial and COR defaults.
const (
	DefaultBaud           = 9600
	DefaultCORDebounce    = 50 * time.Millisecond
	DefaultCORPoll        = 20 * time.Millisecond
	DefaultKeepaliveEvery = 30 * time.Second
	DefaultMaxConns       = 256
	// A modem keeps one connection; a few more cover a reconnect whose old
	// socket has not timed out yet, or a handful of devices behind one NAT.
	DefaultMaxConnsPerPeer = 16
	// A tcp_listen connection silent this long is closed, so idle sockets
	// cannot hold the slots forever; modems report far more often, and one
	// that reconnects loses nothing.
	DefaultIdleTimeout = 15 * time.Minute
)

func (b *builder) source(r *rawSource) {
	b.claim(&b.sources, "source", r.Name, r.DefRange)
	b.d.validName("source", r.Name, r.NameRange)
	from := "source " + quote(r.Name)
	s := Source{
		Type:     r.Type,
		Name:     r.Name,
		Codec:    r.Codec,
		Profile:  str(r.Profile, ""),
		Channel:  str(r.Channel, ""),
		DefRange: toRange(r.DefRange),
	}
	b.frames(&s, r)

	if b.opts.Codecs != nil && !slices.Contains(b.opts.Codecs, r.Codec) {
		b.d.add(r.CodecRange, "Unknown codec "+quote(r.Codec),
			"%s uses codec %q; available codecs: %s.", from, r.Codec, quoteList(b.opts.Codecs))
	} else if b.opts.CodecOptions != nil {
		var body hcl.Body
		if r.CodecOptions != nil {
			body = r.CodecOptions.Body
		}
		var ds hcl.Diagnostics
		s.CodecOptions, ds = b.opts.CodecOptions(r.Codec, body)
		b.d.extend(ds)
	}
	switch {
	case r.Profile != nil:
		b.use("profile", *r.Profile, r.ProfileRange, from)
	case r.Codec == LinesCodec:
		b.d.add(r.CodecRange, "Missing profile",
			"%s uses the lines codec, which needs profile = \"<name>\" naming a profile block or a built-in profile.", from)
	}
	if r.Channel != nil {
		b.use("channel", *r.Channel, r.ChannelRange, from)
	}
	b.sourceIdentity(&s, r, from)

	switch {
	case r.udp != nil:
		t := r.udp
		s.Listen = b.d.hostPort(t.Listen, t.ListenRange, "listen")
		s.Allow = b.d.cidrs(t.Allow, t.AllowRange)
	case r.tcpListen != nil:
		t := r.tcpListen
		s.Listen = b.d.hostPort(t.Listen, t.ListenRange, "listen")
		s.Allow = b.d.cidrs(t.Allow, t.AllowRange)
		s.MaxConns = positive(b.d, t.MaxConns, t.MaxConnsRange, "max_conns", DefaultMaxConns)
		s.MaxConnsPerPeer = positive(b.d, t.MaxPerPeer, t.MaxPerPeerRng, "max_conns_per_peer", min(DefaultMaxConnsPerPeer, s.MaxConns))
		if s.MaxConnsPerPeer > s.MaxConns {
			b.d.add(t.MaxPerPeerRng, "Invalid max_conns_per_peer",
				"max_conns_per_peer (%d) must not exceed max_conns (%d).", s.MaxConnsPerPeer, s.MaxConns)
		}
		s.IdleTimeout = b.d.duration(t.IdleTimeout, DefaultIdleTimeout)
	case r.tcpClient != nil:
		t := r.tcpClient
		s.Address = b.d.hostPort(t.Address, t.AddressRange, "address")
		s.Keepalive = str(t.Keepalive, "")
		s.KeepaliveEvery = b.d.duration(t.KeepaliveEvery, DefaultKeepaliveEvery)
		s.ReadTimeout = b.d.duration(t.ReadTimeout, 0)
	case r.serial != nil:
		b.serial(&s, r.serial)
	case r.http != nil:
		t := r.http
		s.Listen = b.d.hostPort(t.Listen, t.ListenRange, "listen")
		s.Allow = b.d.cidrs(t.Allow, t.AllowRange)
		s.MaxConns = positive(b.d, t.MaxConns, t.MaxConnsRange, "max_conns", DefaultMaxConns)
		s.Token = b.d.secret(t.TokenFile, t.TokenEnv, "token of "+from)
	case r.mqtt != nil:
		t := r.mqtt
		s.Broker = t.Broker
		s.TopicPrefix = str(t.TopicPrefix, "trunk-recorder")
		if t.Topics != nil {
			s.Topics = *t.Topics
		}
		s.Username = str(t.Username, "")
		s.Password = b.d.secret(t.PasswordFile, t.PasswordEnv, "MQTT password of "+from)
		b.d.mqttBroker(t.Broker, t.BrokerRange)
	default:
		b.d.add(r.TypeRange, "Invalid source type",
			"%q is not a source type; use one of %s.", r.Type, quoteList(sourceTypes))
	}
	b.cfg.Sources = append(b.cfg.Sources, s)
}

// decodeSourceBodies decodes the type-specific part of each source body,
// so a key that belongs to another source type is reported as unsupported.
// It runs with decoding, before validation, so such errors are never hidden;
// an unknown type is left for validation to report.
func decodeSourceBodies(srcs []rawSource) hcl.Diagnostics {
	var all hcl.Diagnostics
	for i := range srcs {
		r := &srcs[i]
		var ds hcl.Diagnostics
		switch r.Type {
		case SourceUDP:
			r.udp = &rawUDP{}
			ds = gohcl.DecodeBody(r.Rest, nil, r.udp)
		case SourceTCPListen:
			r.tcpListen = &rawTCPListen{}
			ds = gohcl.DecodeBody(r.Rest, nil, r.tcpListen)
		case SourceTCPClient:
			r.tcpClient = &rawTCPClient{}
			ds = gohcl.DecodeBody(r.Rest, nil, r.tcpClient)
		case SourceSerial:
			r.serial = &rawSerial{}
			ds = gohcl.DecodeBody(r.Rest, nil, r.serial)
		case SourceMQTT:
			r.mqtt = &rawMQTTSource{}
			ds = gohcl.DecodeBody(r.Rest, nil, r.mqtt)
		case SourceHTTP:
			r.http = &rawHTTPSource{}
			ds = gohcl.DecodeBody(r.Rest, nil, r.http)
		}
		all = append(all, ds...)
	}
	return all
}

func (b *builder) serial(s *Source, t *rawSerial) {
	s.Device = t.Device
	s.Baud = positive(b.d, t.Baud, t.BaudRange, "baud", DefaultBaud)
	s.DataBits = 8
	if t.DataBits != nil {
		if *t.DataBits < 5 || *t.DataBits > 8 {
			b.d.add(t.DataBitsRange, "Invalid value for data_bits", "data_bits must be 5, 6, 7 or 8.")
		} else {
			s.DataBits = *t.DataBits
		}
	}
	s.StopBits = 1
	if t.StopBits != nil {
		if *t.StopBits != 1 && *t.StopBits != 2 {
			b.d.add(t.StopBitsRange, "Invalid value for stop_bits", "stop_bits must be 1 or 2.")
		} else {
			s.StopBits = *t.StopBits
		}
	}
	s.Parity = b.d.enum(t.Parity, t.ParityRange, "parity", "none", "none", "even", "odd")
	s.Startup = b.d.enum(t.Startup, t.StartupRange, "startup", "retry", "retry", "fail")
	s.ReadTimeout = b.d.duration(t.ReadTimeout, 0)
	if c := t.COR; c != nil {
		s.COR = &COR{
			Line:     b.d.enum(&c.Line, c.LineRange, "line", "dcd", "dcd", "cts", "dsr", "ri"),
			Invert:   boolean(c.Invert, false),
			Debounce: b.d.duration(c.Debounce, DefaultCORDebounce),
			Poll:     b.d.duration(c.Poll, DefaultCORPoll),
		}
	}
}

// Checksum policies of a source.
const (
	ChecksumStrict  = "strict"  // a wrong checksum rejects the frame
	ChecksumLenient = "lenient" // a wrong checksum is counted (checksum_mismatch); the frame is used if its fields parse
)

// idCodecs are the codecs whose frames may carry no device ID (a bare
// $GPGGA from a receiver, a TAIP report without ;ID=). Over UDP or a TCP
// listener the sender's address stands in; a serial port or a TCP client
// connection has none worth the name, so the source must say what it carries.
var idCodecs = []string{"nmea", "taip"}

// sourceIdentity reads device_id, unit and checksum, and insists on an
// identity where frames would otherwise have none.
func (b *builder) sourceIdentity(s *Source, r *rawSource, from string) {
	s.DeviceID = str(r.DeviceID, "")
	s.Unit = str(r.Unit, "")
	// Lenient by default, as Traccar's decoders are: devices in the field
	// really send wrong checksums, and the fields must still parse.
	s.Checksum = b.d.enum(r.Checksum, r.ChecksumRange, "checksum", ChecksumLenient, ChecksumStrict, ChecksumLenient)
	switch {
	case r.DeviceID != nil && r.Unit != nil:
		b.d.add(r.UnitRange, "Conflicting device identity",
			"%s sets both device_id and unit; set one: device_id names the device (looked up in units' avl_ids), unit names the call sign.", from)
	case r.DeviceID != nil && s.DeviceID == "":
		b.d.add(r.DeviceIDRange, "Empty device_id", "%s has device_id = \"\"; name the device or remove the attribute.", from)
	case r.Unit != nil:
		b.use("unit", s.Unit, r.UnitRange, from)
	case (r.Type == SourceSerial || r.Type == SourceTCPClient) && slices.Contains(idCodecs, r.Codec) && r.DeviceID == nil:
		b.d.add(r.DefRange, "Missing device identity",
			"%s reads codec %q from a %s, whose frames may name no device and have no sender address to stand in for one: "+
				"every fix would be rejected as no_id. Add device_id = \"<avl id>\" or unit = \"<call sign>\" naming the device on this line.",
			from, r.Codec, map[string]string{SourceSerial: "serial port", SourceTCPClient: "TCP connection"}[r.Type])
	}
}

func quote(s string) string { return strconv.Quote(s) }
