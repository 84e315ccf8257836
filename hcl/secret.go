package hcl

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
)

// maxSecret bounds how much of a secret file is read, so a mistake such as
// password_file = "/dev/zero" cannot hang the load.
const maxSecret = 64 << 10

// secret reads a secret from its file or environment variable. Messages name
// the file or variable, never the value. A relative file is resolved against
// the directory of the file that names it.
func (d *diags) secret(file, env *hcl.Attribute, what string) Secret {
	var s Secret
	if file != nil && env != nil {
		d.add(env.Range, "Conflicting secret sources",
			"Set either %s or %s, not both.", file.Name, env.Name)
		return s
	}
	switch {
	case file != nil:
		name, ok := d.stringAttr(file)
		if !ok {
			return s
		}
		s.File = name
		if !filepath.IsAbs(name) {
			s.File = filepath.Join(filepath.Dir(file.Range.Filename), name)
		}
		v, err := readSecretFile(s.File)
		if err != nil {
			d.add(file.Expr.Range(), "Cannot read "+what, "%s %q: %s.", file.Name, name, err)
			return s
		}
		s.value = intern(v)
	case env != nil:
		name, ok := d.stringAttr(env)
		if !ok {
			return s
		}
		s.Env = name
		v, ok := os.LookupEnv(name)
		switch {
		case !ok:
			d.add(env.Expr.Range(), "Missing "+what, "Environment variable %s is not set.", name)
		case v == "":
			d.add(env.Expr.Range(), "Missing "+what, "Environment variable %s is empty.", name)
		default:
			s.value = intern(v)
		}
	}
	return s
}

var (
	internMu sync.Mutex
	interned = map[string]*string{}
)

// intern returns one shared pointer per distinct secret value, so configs
// loaded twice from the same secrets compare equal.
func intern(v string) *string {
	internMu.Lock()
	defer internMu.Unlock()
	if p, ok := interned[v]; ok {
		return p
	}
	p := &v
	interned[v] = p
	return p
}

// readSecretFile returns the file's contents without the trailing newline.
// Errors say what is wrong without repeating the path or any contents.
func readSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		switch {
		case os.IsNotExist(err):
			return "", fmt.Errorf("file does not exist")
		case os.IsPermission(err):
			return "", fmt.Errorf("permission denied")
		}
		return "", fmt.Errorf("cannot open the file")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecret+1))
	if err != nil {
		return "", fmt.Errorf("read failed")
	}
	if len(b) > maxSecret {
		return "", fmt.Errorf("file is larger than %d bytes", maxSecret)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return "", fmt.Errorf("file is empty")
	}
	if strings.ContainsRune(string(b), '\n') {
		return "", fmt.Errorf("file has more than one line")
	}
	return string(b), nil
}

// inlineCredentials reports (and refuses) a URL that carries a user and
// password ("tcp://user:pass@host"): credentials there end up in logs,
// process listings and diagnostics. The diagnostic shows the URL with the
// password masked and no source snippet, since the line holds the secret.
func (d *diags) inlineCredentials(what, raw string, rng hcl.Range, fileAttr string) bool {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return false
	}
	authority, _, _ := strings.Cut(rest, "/")
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return false
	}
	masked := raw[:len(raw)-len(rest)] + "xxxxx" + authority[at:]
	// A subject whose file name is not the loaded one: the position is
	// printed, the line holding the password is not.
	subject := rng
	subject.Filename, _, _ = strings.Cut(d.where(rng), ":")
	d.list = append(d.list, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Credentials in the " + what,
		Detail: fmt.Sprintf("%s carries a user name or password (%s). Credentials in a URL end up in logs and process "+
			"listings: put the password in a file named by %s (or an environment variable named by %s) "+
			"and remove it from the URL.", what, masked, fileAttr, strings.Replace(fileAttr, "_file", "_env", 1)),
		Subject: &subject,
	})
	return true
}
