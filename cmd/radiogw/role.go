package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"radiogw/gateway/api"
)

// cmdRole shows or switches the role of one member of an active/standby pair.
// keepalived's notify script calls it on every state change
// (docs/SCALING.md): MASTER → `radiogw role active`, anything else →
// `radiogw role standby`.
func cmdRole(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("role", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "http://127.0.0.1:8080", "the daemon's HTTP address (on this host)")
	tokenFile := fs.String("token-file", "", "the http token file, when the daemon has one (for showing the role, the read token does too)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	client := http.Client{Timeout: 5 * time.Second}
	var resp *http.Response
	var err error
	switch fs.NArg() {
	case 0:
		req, _ := http.NewRequest(http.MethodGet, *addr+"/api/v1/role", nil)
		if rerr := setBearer(req, *tokenFile, false); rerr != nil {
			fmt.Fprintf(stderr, "radiogw role: %v\n", rerr)
			return 1
		}
		resp, err = client.Do(req)
	case 1:
		role := fs.Arg(0)
		if role != "active" && role != "standby" {
			fmt.Fprintf(stderr, "radiogw role: %q: want active or standby\n", role)
			return 2
		}
		body, _ := json.Marshal(api.RoleState{Role: role})
		req, _ := http.NewRequest(http.MethodPost, *addr+"/api/v1/role", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if *tokenFile != "" {
			tok, rerr := os.ReadFile(*tokenFile)
			if rerr != nil {
				fmt.Fprintf(stderr, "radiogw role: %v\n", rerr)
				return 1
			}
			req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
		}
		resp, err = client.Do(req)
	default:
		fmt.Fprintln(stderr, "usage: radiogw role [-addr URL] [-token-file FILE] [active|standby]")
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "radiogw role: daemon not reachable at %s: %v\n", *addr, err)
		return 1
	}
	defer resp.Body.Close()
	var st struct {
		api.RoleState
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "radiogw role: %s %s\n", resp.Status, st.Error)
		return 1
	}
	fmt.Fprintln(stdout, st.Role)
	return 0
}
