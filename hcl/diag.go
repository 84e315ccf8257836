package hcl

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Diagnostics is the error Load and Format return for a bad configuration. It
// keeps the parsed files so Write can show a source snippet under each
// message.
type Diagnostics struct {
	Diags hcl.Diagnostics
	Files map[string]*hcl.File
}

// diagWidth is the wrap width of Write; fixed so output is reproducible.
const diagWidth = 78

// Error returns one line per diagnostic: file:line,col: summary; detail.
func (d *Diagnostics) Error() string {
	var b strings.Builder
	for i, diag := range d.Diags {
		if i > 0 {
			b.WriteByte('\n')
		}
		if diag.Subject != nil {
			fmt.Fprintf(&b, "%s:%d,%d: ", diag.Subject.Filename, diag.Subject.Start.Line, diag.Subject.Start.Column)
		}
		b.WriteString(diag.Summary)
		if diag.Detail != "" {
			b.WriteString("; ")
			b.WriteString(diag.Detail)
		}
	}
	return b.String()
}

// Write renders every diagnostic with file:line:col and a source snippet, in
// ANSI color if color is set.
func (d *Diagnostics) Write(w io.Writer, color bool) error {
	dw := hcl.NewDiagnosticTextWriter(w, d.Files, diagWidth, color)
	for _, diag := range d.Diags {
		if err := dw.WriteDiagnostic(diag); err != nil {
			return fmt.Errorf("write diagnostics: %w", err)
		}
	}
	return nil
}

// HasErrors reports whether any diagnostic is an error rather than a warning.
func (d *Diagnostics) HasErrors() bool { return d.Diags.HasErrors() }

// sortDiags orders diagnostics by file, in the order Load reads them, then
// by position, so output does not depend on map iteration inside gohcl.
// Diagnostics without a position come first.
func sortDiags(diags hcl.Diagnostics, files []string) {
	rank := make(map[string]int, len(files))
	for i, f := range files {
		rank[f] = i + 1
	}
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			ra, rb := rank[a.Filename], rank[b.Filename]
			if ra != rb && ra != 0 && rb != 0 {
				return ra < rb
			}
			return a.Filename < b.Filename
		default:
			return a.Start.Byte < b.Start.Byte
		}
	})
}

// diags collects validation problems during conversion.
type diags struct {
	list hcl.Diagnostics
	base string // directory of the main file, for short positions in messages
}

func (d *diags) add(rng hcl.Range, summary, detail string, args ...any) {
	r := rng
	d.list = append(d.list, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(detail, args...),
		Subject:  &r,
	})
}

func (d *diags) extend(ds hcl.Diagnostics) { d.list = append(d.list, ds...) }

// where formats a range as file:line,col with the file relative to the
// configuration directory, for "first defined at" style messages.
func (d *diags) where(rng hcl.Range) string {
	name := rng.Filename
	if rel, err := filepath.Rel(d.base, name); err == nil && !strings.HasPrefix(rel, "..") {
		name = rel
	}
	return fmt.Sprintf("%s:%d,%d", filepath.ToSlash(name), rng.Start.Line, rng.Start.Column)
}

func toRange(r hcl.Range) Range {
	return Range{File: r.Filename, Line: r.Start.Line, Col: r.Start.Column}
}
