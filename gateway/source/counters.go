package source

// Counters lists every name a source passes to Hooks.Count, so the runtime
// can register its metrics at zero before the first event:
//
//	reconnect      a retry after a failed or lost connection/port/bind
//	read_error     a serial port read failed (unplug)
//	read_timeout   a tcp_client peer was silent for read_timeout
//	oversize       a frame or datagram over max_frame was dropped
//	garbage        bytes outside any frame were dropped (stx_etx, taip)
//	truncated      an unfinished frame was dropped (stream ended or restarted)
//	denied         a datagram or connection from outside the allow list
//	conn_rejected  a connection over max_conns was closed at once
//	peer_conn_rejected  a connection over max_conns_per_peer (one address) was closed at once
//	idle_close     a tcp_listen connection idle for idle_timeout was closed
//	accept_error   a transient accept failure (e.g. out of file descriptors)
//	kernel_drop    a datagram the kernel dropped because the socket buffer was full
var Counters = []string{
	"reconnect", "read_error", "read_timeout",
	DiscardOversize, DiscardGarbage, DiscardTruncated,
	"denied", "conn_rejected", "peer_conn_rejected", "idle_close", "accept_error", DiscardKernelDrop, DiscardShutdown,
	"unauthorized", DiscardBadRequest, // the http source
}
