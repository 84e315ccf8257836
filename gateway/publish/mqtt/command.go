package mqtt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"unicode"
	"unicode/utf8"
)

// Command is an emergency acknowledgement or clear received on the command
// topic.
type Command struct {
	Action string `json:"action"` // "ack" or "clear"
	ID     string `json:"id"`
	By     string `json:"by"`
}

// Command topics under <root>/commands/ and the action each one carries.
var commandActions = map[string]string{
	"emergency_ack":   "ack",
	"emergency_clear": "clear",
}

// Limits of a command payload.
const (
	MaxCommandBytes = 4096
	MaxByRunes      = 64
)

// Command rejection reasons. Each is the result label of
// radiogw_commands_total when ParseCommand refuses a message.
var (
	ErrUnknownCommand = errors.New("unknown_topic")
	ErrTooLarge       = errors.New("too_large")
	ErrMalformed      = errors.New("malformed")
	ErrBadID          = errors.New("bad_id")
	ErrBadBy          = errors.New("bad_by")
)

// emergencyIDPattern accepts the IDs the channel tracker issues
// ("e-1201-1763935200", "e-1201-1763935200-2") and nothing a display could
// use to smuggle topic wildcards or control characters into logs.
var emergencyIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// ParseCommand validates a command message: topicSuffix is the topic after
// "<root>/commands/", payload the message body ({"id": "...", "by": "..."}).
// A missing "by" becomes "mqtt". The error wraps one of the Err* reasons.
func ParseCommand(topicSuffix string, payload []byte) (Command, error) {
	action, ok := commandActions[topicSuffix]
	if !ok {
		return Command{}, fmt.Errorf("command topic %q: %w", topicSuffix, ErrUnknownCommand)
	}
	if len(payload) > MaxCommandBytes {
		return Command{}, fmt.Errorf("command of %d bytes (max %d): %w", len(payload), MaxCommandBytes, ErrTooLarge)
	}
	var body struct {
		ID *string `json:"id"`
		By *string `json:"by"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return Command{}, fmt.Errorf("command body: %v: %w", err, ErrMalformed)
	}
	if dec.More() {
		return Command{}, fmt.Errorf("command body: trailing data: %w", ErrMalformed)
	}
	if body.ID == nil {
		return Command{}, fmt.Errorf("command id missing: %w", ErrBadID)
	}
	cmd := Command{Action: action, ID: *body.ID, By: "mqtt"}
	if body.By != nil {
		cmd.By = *body.By
	}
	if err := ValidateAck(cmd.ID, cmd.By); err != nil {
		return Command{}, err
	}
	return cmd, nil
}

// ValidateAck applies the command topic's rules for an emergency ID and the
// "by" name to an acknowledgement that arrived another way (the HTTP API),
// so no path accepts what another refuses. The error wraps ErrBadID or
// ErrBadBy.
func ValidateAck(id, by string) error {
	if !emergencyIDPattern.MatchString(id) {
		return fmt.Errorf("emergency id: %w", ErrBadID)
	}
	if !validBy(by) {
		return fmt.Errorf("by must be 1-%d printable characters: %w", MaxByRunes, ErrBadBy)
	}
	return nil
}

// validBy accepts a short printable name ("disp4", "Dispatcher 4").
func validBy(s string) bool {
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxByRunes {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// CommandResult is the metrics label for a parse outcome.
func CommandResult(err error) string {
	for _, e := range []error{ErrUnknownCommand, ErrTooLarge, ErrMalformed, ErrBadID, ErrBadBy} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	if err != nil {
		return "malformed"
	}
	return "ok"
}
