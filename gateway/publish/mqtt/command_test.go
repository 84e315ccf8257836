package mqtt

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseCommand(t *testing.T) {
	cases := []struct {
		suffix, payload string
		want            Command
		err             error
	}{
		{"emergency_ack", `{"id":"e-1201-1763935200","by":"disp4"}`, Command{"ack", "e-1201-1763935200", "disp4"}, nil},
		{"emergency_clear", `{"id":"e-1201-1763935200-2"}`, Command{"clear", "e-1201-1763935200-2", "mqtt"}, nil},
		{"emergency_ack", ` {"by":"Dispatcher 4","id":"e-4521-1"} `, Command{"ack", "e-4521-1", "Dispatcher 4"}, nil},
		{"emergency_silence", `{"id":"e-1"}`, Command{}, ErrUnknownCommand},
		{"", `{"id":"e-1"}`, Command{}, ErrUnknownCommand},
		{"emergency_ack/extra", `{"id":"e-1"}`, Command{}, ErrUnknownCommand},
		{"emergency_ack", `{"id":"e-1","by":"` + strings.Repeat("x", MaxCommandBytes) + `"}`, Command{}, ErrTooLarge},
		{"emergency_ack", `not json`, Command{}, ErrMalformed},
		{"emergency_ack", `{"id":"e-1"} {"id":"e-2"}`, Command{}, ErrMalformed},
		{"emergency_ack", `{"id":"e-1","action":"clear"}`, Command{}, ErrMalformed},
		{"emergency_ack", `{"id":5}`, Command{}, ErrMalformed},
		{"emergency_ack", `["e-1"]`, Command{}, ErrMalformed},
		{"emergency_ack", `null`, Command{}, ErrBadID},
		{"emergency_ack", `{}`, Command{}, ErrBadID},
		{"emergency_ack", `{"id":""}`, Command{}, ErrBadID},
		{"emergency_ack", `{"id":"radiogw/+/#"}`, Command{}, ErrBadID},
		{"emergency_ack", `{"id":"e-1\n2"}`, Command{}, ErrBadID},
		{"emergency_ack", `{"id":"` + strings.Repeat("a", 129) + `"}`, Command{}, ErrBadID},
		{"emergency_ack", `{"id":"e-1","by":""}`, Command{}, ErrBadBy},
		{"emergency_ack", `{"id":"e-1","by":"a\u0007b"}`, Command{}, ErrBadBy},
		{"emergency_ack", `{"id":"e-1","by":"` + strings.Repeat("d", MaxByRunes+1) + `"}`, Command{}, ErrBadBy},
	}
	for _, c := range cases {
		got, err := ParseCommand(c.suffix, []byte(c.payload))
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("ParseCommand(%q, %.60q) error = %v, want %v", c.suffix, c.payload, err, c.err)
			}
			if CommandResult(err) != c.err.Error() {
				t.Errorf("result label %q, want %q", CommandResult(err), c.err.Error())
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseCommand(%q, %q) = %+v, %v; want %+v", c.suffix, c.payload, got, err, c.want)
		}
	}
}

// FuzzCommand: the parser never panics, accepts only what it promises
// (a known action, a well-formed ID, a short printable "by"), and an accepted
// command survives a round trip through its own JSON form.
func FuzzCommand(f *testing.F) {
	for _, s := range []struct{ topic, body string }{
		{"emergency_ack", `{"id":"e-1201-1763935200","by":"disp4"}`},
		{"emergency_clear", `{"id":"e-1201-1763935200"}`},
		{"emergency_ack", `{"id":"e-1201-1763935200-2","by":"Dispätcher 4"}`},
		{"emergency_ack", `{"id":null}`},
		{"units", `{}`},
		{"emergency_clear", `{"id":"e-1","by":"x","extra":1}`},
	} {
		f.Add(s.topic, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		cmd, err := ParseCommand(topic, payload)
		if err != nil {
			if cmd != (Command{}) {
				t.Fatalf("rejected command returned %+v", cmd)
			}
			return
		}
		if cmd.Action != "ack" && cmd.Action != "clear" {
			t.Fatalf("action %q", cmd.Action)
		}
		if !emergencyIDPattern.MatchString(cmd.ID) || !validBy(cmd.By) || len(payload) > MaxCommandBytes {
			t.Fatalf("accepted invalid command %+v from %q", cmd, payload)
		}
		b, _ := json.Marshal(map[string]string{"id": cmd.ID, "by": cmd.By})
		again, err := ParseCommand(topic, b)
		if err != nil || again != cmd {
			t.Fatalf("round trip %s: %+v, %v; want %+v", b, again, err, cmd)
		}
	})
}

func TestValidateAck(t *testing.T) {
	for _, c := range []struct {
		id, by string
		err    error
	}{
		{"e-1201-1763935200", "disp4", nil},
		{"e-1201-1763935200", "Dispatcher Süd", nil},
		{"e-1201-1763935200", "disp\u0007\nFAKE level=ERROR", ErrBadBy},
		{"e-1201-1763935200", strings.Repeat("d", 65), ErrBadBy},
		{"e-1201-1763935200", "\u202etxen", ErrBadBy},
		{"e-1201-1763935200", "", ErrBadBy},
		{"../e-1", "disp4", ErrBadID},
	} {
		if err := ValidateAck(c.id, c.by); !errors.Is(err, c.err) || (c.err == nil && err != nil) {
			t.Errorf("ValidateAck(%q, %q) = %v, want %v", c.id, c.by, err, c.err)
		}
	}
}
