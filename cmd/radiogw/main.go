// Command radiogw is the radio gateway and unit-tracking daemon of a dispatch
// center. Run `radiogw help` for the subcommands.
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "run the daemon", cmdRun},
		{"check", "validate a configuration without touching hardware", cmdCheck},
		{"fmt", "rewrite configuration files in canonical form", cmdFmt},
		{"status", "print a summary from the running daemon", cmdStatus},
		{"forget", "remove a unit from the running daemon, its map and its retained topics", cmdForget},
		{"role", "show or switch the role of an active/standby pair member (keepalived notify)", cmdRole},
		{"export", "write the InfluxDB outbox as line protocol", cmdExport},
		{"sim", "run a simulated field of units, consoles and radios", cmdSim},
		{"replay", "send a recorded capture to a UDP source, one line per datagram", cmdReplay},
		{"version", "print the version", cmdVersion},
	}
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "radiogw: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "radiogw: radio gateway and unit tracking for dispatch centers")
	fmt.Fprintln(w, "\nUsage: radiogw <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'radiogw <command> -h' for a command's flags.")
}

func cmdVersion(_ []string, stdout, _ io.Writer) int {
	fmt.Fprintf(stdout, "radiogw %s\n", version)
	return 0
}
