// Package consistency parses and compiles the expressions of the
// consistency check: conditions over indicator codes such as
// "commune_radio_stations_it <= commune_radio_stations <= communes" or
// "commune_radio_rate ~= 100 * commune_radio_stations / communes".
//
// An expression goes through four stages, each in its own file:
//
//  1. Lexing (rewrite.go, lexExpr): the text as written becomes tokens,
//     each with its byte offset, so that every later error names a place in
//     the rule file.
//  2. Rewriting (rewrite.go, rewriteExpr): chains (a <= b <= c) and
//     approximate equality (a ~= b, a ≈ b ± t, approx(a, b[, t])) become
//     plain expr-lang tokens, still carrying the offsets as written.
//  3. Compiling (compile.go, Compile): the rewritten tokens are checked by
//     expr-lang as a boolean and split into conjuncts, each compiled alone.
//  4. The fast form (fast.go, compileFast): each conjunct's checked syntax
//     tree becomes Go functions over a slice of figures when it uses only
//     what they implement; expr's machine is the reference they must agree
//     with (TestFastExprMatchesExpr and FuzzFastExpr, in fast_test.go).
//
// The result of the stages is one value, Expr: the indicators named and
// the parts, each with its program, its fast form if any, its text as
// written and the indicators it reads. Nothing before it leaves the
// package; an Expr is immutable and belongs to the rule that compiled it.
// The package holds no state.
package consistency
