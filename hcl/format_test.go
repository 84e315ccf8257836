package hcl

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	got, err := Format([]byte("site=\"a\"\nchannel \"x\" {\nfreq=1\nalpha_tag = \"X\"\n}\n"), "radiogw.hcl")
	if err != nil {
		t.Fatal(err)
	}
	want := "site = \"a\"\nchannel \"x\" {\n  freq      = 1\n  alpha_tag = \"X\"\n}\n"
	if string(got) != want {
		t.Errorf("Format =\n%s\nwant\n%s", got, want)
	}
}

func TestFormatRejectsBrokenSyntax(t *testing.T) {
	_, err := Format([]byte("channel \"x\" {\n freq = \n"), "bad.hcl")
	var d *Diagnostics
	if !errors.As(err, &d) || !strings.Contains(err.Error(), "bad.hcl:") {
		t.Fatalf("err = %v, want *Diagnostics naming bad.hcl", err)
	}
	var b bytes.Buffer
	if err := d.Write(&b, false); err != nil || !strings.Contains(b.String(), "on bad.hcl line") {
		t.Errorf("Write = %q, %v; want a positioned snippet", b.String(), err)
	}
}

func TestFormatFiles(t *testing.T) {
	messy := "channel \"b\" {\nfreq=1\n}\n"
	dir := writeConfig(t, map[string]string{
		MainFile:           "site = \"a\"\n",
		"channels.d/a.hcl": "channel \"a\" {}\n",
		"channels.d/b.hcl": messy,
	})
	b := filepath.Join(dir, "channels.d", "b.hcl")
	if err := os.Chmod(b, 0o640); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	changed, err := FormatFiles(dir, true, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 1 || changed[0] != b || out.String() != b+"\n" {
		t.Fatalf("check: changed %v, output %q; want only %s", changed, out.String(), b)
	}
	if src, _ := os.ReadFile(b); string(src) != messy {
		t.Fatal("check mode rewrote the file")
	}

	changed, err = FormatFiles(filepath.Join(dir, MainFile), false, nil)
	if err != nil || len(changed) != 1 {
		t.Fatalf("rewrite: changed %v, err %v", changed, err)
	}
	src, _ := os.ReadFile(b)
	if string(src) != "channel \"b\" {\n  freq = 1\n}\n" {
		t.Errorf("rewritten file = %q", src)
	}
	if st, _ := os.Stat(b); st.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640 kept", st.Mode().Perm())
	}
	if changed, err := FormatFiles(dir, true, nil); err != nil || len(changed) != 0 {
		t.Errorf("second run: changed %v, err %v; want nothing", changed, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "channels.d", ".*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestFormatFilesLeavesEverythingOnSyntaxError(t *testing.T) {
	messy := "site=\"a\"\n"
	dir := writeConfig(t, map[string]string{
		MainFile:             messy,
		"channels.d/bad.hcl": "channel \"x\" {\n",
	})
	changed, err := FormatFiles(dir, false, nil)
	var d *Diagnostics
	if !errors.As(err, &d) || changed != nil {
		t.Fatalf("changed %v, err %v; want *Diagnostics and nothing changed", changed, err)
	}
	if src, _ := os.ReadFile(filepath.Join(dir, MainFile)); string(src) != messy {
		t.Error("main file was rewritten although another file is broken")
	}
}
