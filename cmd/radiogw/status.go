package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"time"

	"radiogw/gateway"
)

func cmdStatus(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "http://127.0.0.1:8080", "the daemon's HTTP address")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(*addr + "/api/v1/status")
	if err != nil {
		fmt.Fprintf(stderr, "radiogw status: daemon not reachable at %s: %v\n", *addr, err)
		return 1
	}
	defer resp.Body.Close()
	var st gateway.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		fmt.Fprintf(stderr, "radiogw status: bad answer from %s: %v\n", *addr, err)
		return 1
	}
	printStatus(stdout, &st)
	if !st.Ready {
		return 1
	}
	return 0
}

func printStatus(w io.Writer, st *gateway.Status) {
	ready := "READY"
	if !st.Ready {
		why := st.NotReady
		if why == "" {
			why = "tracker loop stalled"
		}
		ready = "NOT READY (" + why + ")"
	}
	fmt.Fprintf(w, "radiogw %s  site %s  %s\n\n", st.Version, st.Site, ready)
	fmt.Fprintln(w, "SOURCES")
	for _, s := range st.Sources {
		state := "up"
		if !s.Up {
			state = "DOWN"
		}
		age := "never"
		if s.LastFrameAgeS != nil {
			age = fmt.Sprintf("%.0fs ago", *s.LastFrameAgeS)
		}
		fmt.Fprintf(w, "  %-16s %-10s %-14s %-5s conns %-4d last frame %s", s.Name, s.Type, s.Codec, state, s.Connections, age)
		if s.Error != "" {
			fmt.Fprintf(w, "  error: %s", s.Error)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "\nSINKS")
	for _, s := range st.Sinks {
		oldest := "-"
		if s.OldestAgeS != nil {
			oldest = fmt.Sprintf("%.0fs", *s.OldestAgeS)
		}
		state := "outbox only"
		switch {
		case s.Connected == nil:
		case *s.Connected:
			state = "connected"
		default:
			state = "DISCONNECTED"
		}
		if s.Connected != nil && s.StateForS != nil {
			state += fmt.Sprintf(" (%.0fs)", *s.StateForS)
		}
		fmt.Fprintf(w, "  %-16s %-22s backlog %-8d bytes %-10d oldest %-8s dropped %d", s.Name, state, s.OutboxDepth, s.OutboxBytes, oldest, s.Dropped)
		if s.LastError != "" {
			fmt.Fprintf(w, "  error: %s", s.LastError)
		}
		fmt.Fprintln(w)
		if s.WriteFailing {
			fmt.Fprintf(w, "    ALARM outbox not writable: %s\n", s.WriteError)
		}
		if s.MemoryBacklog > 0 {
			fmt.Fprintf(w, "    ALARM %d events held in memory only (not durable)\n", s.MemoryBacklog)
		}
	}
	fmt.Fprintf(w, "\nUNITS   ")
	for _, k := range slices.Sorted(maps.Keys(st.Units)) {
		fmt.Fprintf(w, "%s %d   ", k, st.Units[k])
	}
	fmt.Fprintf(w, "\nINBOX   %d waiting\n", st.InboxDepth)
	fmt.Fprintf(w, "\nEMERGENCIES  %d active\n", len(st.Emergencies))
	for _, e := range st.Emergencies {
		ack := "NOT ACKNOWLEDGED"
		if e.AckedBy != "" {
			ack = "acked by " + e.AckedBy
		}
		fmt.Fprintf(w, "  %s  radio %s  channel %s  since %s  %s\n", e.ID, e.RadioID, e.Channel, e.Since.Format(time.RFC3339), ack)
	}
}
