package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"radiogw/gateway/api"
)

func cmdStatus(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "http://127.0.0.1:8080", "the daemon's HTTP address")
	tokenFile := fs.String("token-file", defaultReadTokenFile,
		"the http read token file (or the write token), when the daemon has one; the default is used if it exists")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	client := http.Client{Timeout: 5 * time.Second}
	req, _ := http.NewRequest(http.MethodGet, *addr+"/api/v1/status", nil)
	if err := setBearer(req, *tokenFile, *tokenFile == defaultReadTokenFile); err != nil {
		fmt.Fprintf(stderr, "radiogw status: %v\n", err)
		return 1
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "radiogw status: daemon not reachable at %s: %v\n", *addr, err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		fmt.Fprintf(stderr, "radiogw status: the daemon requires its http read token: radiogw status -token-file <read_token_file>\n")
		return 1
	}
	var st api.Status
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

func printStatus(w io.Writer, st *api.Status) {
	ready := "READY"
	switch {
	case st.Ready:
	case st.Broker != nil && !st.Broker.Accepting:
		ready = "NOT READY (embedded broker not accepting connections: file descriptors exhausted?)"
	case st.NotReady != "":
		ready = "NOT READY (" + st.NotReady + ")"
	default:
		ready = "NOT READY (tracker loop stalled)"
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
	if st.Broker != nil {
		fmt.Fprintf(w, "BROKER  %d connections, accepting %v\n", st.Broker.Connections, st.Broker.Accepting)
	}
	fmt.Fprintf(w, "\nREJECTED FIXES (top reasons)\n")
	if len(st.Rejections) == 0 {
		fmt.Fprintf(w, "  none\n")
	}
	for _, r := range st.Rejections {
		fmt.Fprintf(w, "  %-16s %-16s %d\n", r.Source, r.Reason, r.Count)
	}
	if len(st.Late) > 0 {
		fmt.Fprintf(w, "HISTORY ONLY (late fixes)  ")
		for _, k := range slices.Sorted(maps.Keys(st.Late)) {
			fmt.Fprintf(w, "%s %d   ", k, st.Late[k])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nEMERGENCIES  %d active\n", len(st.Emergencies))
	for _, e := range st.Emergencies {
		ack := "NOT ACKNOWLEDGED"
		if e.AckedBy != "" {
			ack = "acked by " + e.AckedBy
		}
		unit := e.Unit
		if unit == "" {
			unit = "unknown unit"
		}
		fmt.Fprintf(w, "  %s  %s (radio %s)  channel %s  since %s  %s\n", e.ID, unit, e.RadioID, e.Channel, e.Since.Format(time.RFC3339), ack)
	}
}

// defaultReadTokenFile is where make install puts the http read token.
const defaultReadTokenFile = "/etc/radiogw/http-read.token"

// setBearer adds the token in file as a bearer token. A missing or
// unreadable file is an error unless optional.
func setBearer(req *http.Request, file string, optional bool) error {
	if file == "" {
		return nil
	}
	tok, err := os.ReadFile(file)
	if err != nil {
		if optional {
			return nil
		}
		return err
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	return nil
}
