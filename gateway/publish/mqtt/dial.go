package mqtt

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"os"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/net/proxy"
)

// openConn replaces paho's own dialing (paho.ClientOptions'
// CustomOpenConnectionFn) so that every connection is a batchConn.
func openConn(uri *url.URL, o paho.ClientOptions) (net.Conn, error) {
	c, err := dialBroker(uri, o)
	if err != nil {
		return nil, err
	}
	return newBatchConn(c, o.WriteTimeout), nil
}

// dialBroker dials the schemes paho does, the same way: proxies from the
// environment for TCP, the options' TLS config, paho's WebSocket helper.
// The state link (statelink.go) dials through it too, so both connections
// reach the broker by the same road.
func dialBroker(uri *url.URL, o paho.ClientOptions) (net.Conn, error) {
	dialer := o.Dialer
	if dialer == nil {
		dialer = &net.Dialer{Timeout: o.ConnectTimeout}
	}
	var (
		c   net.Conn
		err error
	)
	switch uri.Scheme {
	case "tcp", "mqtt":
		c, err = proxy.FromEnvironmentUsing(dialer).Dial("tcp", uri.Host)
	case "ssl", "tls", "mqtts", "mqtt+ssl", "tcps":
		c, err = dialTLS(dialer, uri.Host, o.TLSConfig)
	case "ws", "wss":
		u := *uri
		u.User = nil // the WebSocket dialer refuses URLs with credentials
		var tc *tls.Config
		if uri.Scheme == "wss" {
			tc = o.TLSConfig
		}
		c, err = paho.NewWebsocket(u.String(), tc, o.ConnectTimeout, o.HTTPHeaders, o.WebsocketOptions)
	case "unix":
		path := uri.Host
		if path == "" {
			path = uri.Path
		}
		c, err = dialer.Dial("unix", path)
	default:
		return nil, fmt.Errorf("mqtt broker %s: unknown scheme %q", uri.Redacted(), uri.Scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("mqtt broker %s: %w", uri.Redacted(), err)
	}
	return c, nil
}

// dialTLS goes through all_proxy when it is set, as paho does for TLS.
func dialTLS(dialer *net.Dialer, host string, cfg *tls.Config) (net.Conn, error) {
	if os.Getenv("all_proxy") == "" {
		return tls.DialWithDialer(dialer, "tcp", host, cfg)
	}
	raw, err := proxy.FromEnvironmentUsing(dialer).Dial("tcp", host)
	if err != nil {
		return nil, err
	}
	if cfg == nil { // as tls.DialWithDialer does: verify against the host name
		h, _, _ := net.SplitHostPort(host)
		cfg = &tls.Config{ServerName: h}
	}
	c := tls.Client(raw, cfg)
	if err := c.Handshake(); err != nil {
		raw.Close()
		return nil, fmt.Errorf("tls handshake: %w", err)
	}
	return c, nil
}
