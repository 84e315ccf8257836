package gateway

import (
	"radiogw/gateway/publish"
	"radiogw/hcl"
)

// newInfluxSink builds the InfluxDB sink, or nil without an influx block.
func (d *Daemon) newInfluxSink(cfg *hcl.Config) (publish.Sink, error) {
	return nil, nil
}
