package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// cmdReplay sends a recorded capture (one frame per line; '#' lines are
// comments) to a UDP source, as a modem would, at a fixed rate.
func cmdReplay(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "127.0.0.1:5005", "UDP address of the radiogw source")
	rate := fs.Float64("rate", 10, "frames per second (0: as fast as possible)")
	loop := fs.Bool("loop", false, "start over at the end of the file, until interrupted")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: radiogw replay [-to host:port] [-rate N] [-loop] FILE")
		return 2
	}
	conn, err := net.Dial("udp", *to)
	if err != nil {
		fmt.Fprintf(stderr, "radiogw replay: %v\n", err)
		return 1
	}
	defer conn.Close()
	var gap time.Duration
	if *rate > 0 {
		gap = time.Duration(float64(time.Second) / *rate)
	}
	sent := 0
	for {
		n, err := replayFile(fs.Arg(0), conn, gap)
		sent += n
		if err != nil {
			fmt.Fprintf(stderr, "radiogw replay: %v\n", err)
			return 1
		}
		if !*loop {
			break
		}
	}
	fmt.Fprintf(stdout, "sent %d frames to %s\n", sent, *to)
	return 0
}

func replayFile(path string, conn net.Conn, gap time.Duration) (int, error) {
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
		if _, err := conn.Write(line); err != nil {
			return n, fmt.Errorf("send to %s: %w", conn.RemoteAddr(), err)
		}
		n++
		if gap > 0 {
			time.Sleep(gap)
		}
	}
	return n, sc.Err()
}
