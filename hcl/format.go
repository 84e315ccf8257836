package hcl

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns src in canonical HCL layout. The source is parsed first so
// a broken file is reported as *Diagnostics instead of being reformatted
// into something else.
func Format(src []byte, filename string) ([]byte, error) {
	p := hclparse.NewParser()
	if ds := checkNesting(src, filename); ds.HasErrors() {
		return nil, &Diagnostics{Diags: ds}
	}
	if _, ds := p.ParseHCL(src, filename); ds.HasErrors() {
		sortDiags(ds, nil)
		return nil, &Diagnostics{Diags: ds, Files: p.Files()}
	}
	return hclwrite.Format(src), nil
}

// FormatFiles formats the main file of the configuration at path and every
// channels.d/*.hcl beside it. It returns the files whose layout changed and
// names each on w, one per line. Unless check is set the changed files are
// rewritten in place; with check nothing is written to disk. Syntax errors in
// any file are returned as *Diagnostics and no file is rewritten.
func FormatFiles(path string, check bool, w io.Writer) (changed []string, err error) {
	files, err := Paths(path)
	if err != nil {
		return nil, err
	}
	p := hclparse.NewParser()
	var all hcl.Diagnostics
	out := make(map[string][]byte, len(files))
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, plainDiag("Cannot read configuration", err.Error())
		}
		if ds := checkNesting(src, name); ds.HasErrors() {
			all = append(all, ds...)
			continue
		}
		if _, ds := p.ParseHCL(src, name); ds.HasErrors() {
			all = append(all, ds...)
			continue
		}
		if formatted := hclwrite.Format(src); !bytes.Equal(formatted, src) {
			changed = append(changed, name)
			out[name] = formatted
		}
	}
	if all.HasErrors() {
		sortDiags(all, files)
		return nil, &Diagnostics{Diags: all, Files: p.Files()}
	}
	for _, name := range changed {
		if !check {
			if err := writeFileAtomic(name, out[name]); err != nil {
				return changed, err
			}
		}
		if w != nil {
			if _, err := fmt.Fprintln(w, name); err != nil {
				return changed, fmt.Errorf("format: %w", err)
			}
		}
	}
	return changed, nil
}

// writeFileAtomic replaces name with data via a temporary file in the same
// directory, keeping the original permissions, so a crash mid-write never
// leaves a half-written config behind.
func writeFileAtomic(name string, data []byte) error {
	st, err := os.Stat(name)
	if err != nil {
		return fmt.Errorf("format %s: %w", name, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return fmt.Errorf("format %s: %w", name, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("format %s: %w", name, err)
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return fmt.Errorf("format %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("format %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("format %s: %w", name, err)
	}
	return nil
}
