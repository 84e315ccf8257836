package mqtt

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/net/proxy"
)

// openConn replaces paho's own dialing (paho.ClientOptions'
// CustomOpenConnectionFn) so that every connection is a batchConn. It dials
// the schemes paho does, the same way: proxies from the environment for TCP,
// the options' TLS config, paho's WebSocket helper.
func openConn(uri *url.URL, o paho.ClientOptions) (net.Conn, error) {
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
		c, err = tls.DialWithDialer(dialer, "tcp", uri.Host, o.TLSConfig)
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
	return newBatchConn(c, o.WriteTimeout), nil
}
