package hcl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// MaxNesting is the deepest nesting of blocks, brackets, parentheses and
// template interpolations a configuration file may have. Real ones stay
// under ten; the HCL parser recurses once per level, and a file nested a few
// hundred thousand deep would exhaust the stack, which Go cannot recover
// from: `radiogw check` would crash and a SIGHUP would kill the daemon.
const MaxNesting = 100

// checkNesting refuses a file nested deeper than MaxNesting before it is
// parsed. The lexer is a state machine, not recursive, so any input is safe
// to scan.
func checkNesting(src []byte, filename string) hcl.Diagnostics {
	toks, _ := hclsyntax.LexConfig(src, filename, hcl.InitialPos)
	depth, unary := 0, 0
	for _, t := range toks {
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl, hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc:
			depth++
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen,
			hclsyntax.TokenTemplateSeqEnd, hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc:
			depth--
		}
		// The parser also recurses once per unary operator: "- - - -1".
		if t.Type == hclsyntax.TokenMinus || t.Type == hclsyntax.TokenBang {
			unary++
		} else {
			unary = 0
		}
		if depth > MaxNesting || unary > MaxNesting {
			rng := t.Range
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Nesting too deep",
				Detail: fmt.Sprintf("This file nests blocks, lists, objects or expressions more than %d levels deep; "+
					"a radiogw configuration needs fewer than ten. Nothing was loaded.", MaxNesting),
				Subject: &rng,
			}}
		}
	}
	return nil
}
