package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"radiogw/gateway/source"
	"radiogw/hcl"
)

var updateSchema = flag.Bool("update-schema", false, "rewrite hcl/testdata/source_schema.json from gateway/source.SourceSchema")

// hcl's own tests load configurations with a copy of the source schema
// (hcl does not import the transports). The copy is this file, written from
// the real schema: a change to the schema fails here until the copy is
// rewritten with `go test ./cmd/radiogw -run TestSourceSchemaFixture -update-schema`.
func TestSourceSchemaFixture(t *testing.T) {
	path := filepath.Join("..", "..", "hcl", "testdata", "source_schema.json")
	want, err := json.MarshalIndent(source.SourceSchema(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *updateSchema {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from gateway/source.SourceSchema(); rerun with -update-schema and review the diff.\nwant:\n%s", path, want)
	}
}

// The source types hcl knows a block shape for are the schema's types.
func TestSourceTypesMatchSchema(t *testing.T) {
	var schema []string
	for typ := range source.SourceSchema().Types {
		schema = append(schema, typ)
	}
	slices.Sort(schema)
	known := hcl.SourceTypes()
	slices.Sort(known)
	if !slices.Equal(known, schema) {
		t.Errorf("hcl knows source types %v, gateway/source's schema has %v", known, schema)
	}
}
