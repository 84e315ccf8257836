// Package publish defines the sinks that carry tracker changes out of
// radiogw (MQTT for displays, InfluxDB for history) and what they share.
package publish

import (
	"context"

	"radiogw/avl"
	"radiogw/channels"
)

// Batch is the changes of one tracker step, in order.
type Batch struct {
	Units    []avl.Change
	Channels []channels.Change
}

// Len is the number of changes in the batch.
func (b *Batch) Len() int { return len(b.Units) + len(b.Channels) }

// Sink carries changes to one destination.
//
// Write is called from the tracker goroutine. It must make the changes
// durable (or hand them to an in-memory latest-state table) and return without
// waiting on the network: an outage grows the outbox, it never stalls
// tracking. Run drains to the destination until ctx ends; Close flushes what
// it can within the context's deadline and releases resources.
type Sink interface {
	Name() string
	Write(b Batch) error
	Run(ctx context.Context) error
	Close(ctx context.Context) error
}
