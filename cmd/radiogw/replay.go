package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

// cmdReplay sends a recorded capture (one frame per line; '#' lines are
// comments) to a UDP source as a modem would, or to a serial device line
// by line as a receiver would, at a fixed rate. Frames keep their recorded
// fix times: radiogw files them as history at those times without moving
// live units. -live re-times NMEA sentences to now, for demonstrations.
func cmdReplay(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "127.0.0.1:5005", "UDP address of the radiogw source")
	serial := fs.String("serial", "", "write to this serial device (or pseudo-terminal) instead of UDP, one line per frame ending in CR LF")
	rate := fs.Float64("rate", 10, "frames per second (0: as fast as possible)")
	loop := fs.Bool("loop", false, "start over at the end of the file, until interrupted")
	live := fs.Bool("live", false, "re-time NMEA sentences so the first dated one is now (a demo); by default fixes keep their recorded times")
	hexFrames := fs.Bool("hex", false, "each line's first tab-separated field is the frame in hex (LRRP/ARS captures); other lines are skipped")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: radiogw replay [-to host:port | -serial /dev/ttyX] [-rate N] [-loop] [-live] [-hex] FILE")
		return 2
	}
	var (
		w    io.Writer
		dest string
		eol  []byte
	)
	if *serial != "" {
		f, err := os.OpenFile(*serial, os.O_WRONLY, 0)
		if err != nil {
			fmt.Fprintf(stderr, "radiogw replay: %v\n", err)
			return 1
		}
		defer f.Close()
		w, dest, eol = f, *serial, []byte("\r\n")
	} else {
		conn, err := net.Dial("udp", *to)
		if err != nil {
			fmt.Fprintf(stderr, "radiogw replay: %v\n", err)
			return 1
		}
		defer conn.Close()
		w, dest = conn, *to
	}
	var gap time.Duration
	if *rate > 0 {
		gap = time.Duration(float64(time.Second) / *rate)
	}
	opts := replayOpts{gap: gap, eol: eol, hex: *hexFrames}
	if *live {
		opts.retime = &retimer{now: time.Now().UTC()}
	}
	sent := 0
	for {
		n, err := replayFile(fs.Arg(0), w, opts)
		sent += n
		if err != nil {
			fmt.Fprintf(stderr, "radiogw replay: %v\n", err)
			return 1
		}
		if !*loop {
			break
		}
	}
	fmt.Fprintf(stdout, "sent %d frames to %s\n", sent, dest)
	return 0
}

type replayOpts struct {
	gap    time.Duration
	eol    []byte // appended to each frame (serial); none for datagrams
	hex    bool
	retime *retimer
}

func replayFile(path string, w io.Writer, o replayOpts) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		line := bytes.TrimRight(sc.Bytes(), "\r")
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if o.hex {
			field, _, _ := bytes.Cut(line, []byte("\t"))
			b, err := hex.DecodeString(strings.TrimSpace(string(field)))
			if err != nil || len(b) == 0 {
				continue // a header or a note
			}
			line = b
		} else if o.retime != nil {
			line = []byte(o.retime.line(string(line)))
		}
		if _, err := w.Write(append(append([]byte(nil), line...), o.eol...)); err != nil {
			return n, fmt.Errorf("send: %w", err)
		}
		n++
		if o.gap > 0 {
			time.Sleep(o.gap)
		}
	}
	return n, sc.Err()
}
