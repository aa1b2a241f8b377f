package consistency

import (
	"math"
	"reflect"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// A consistency expression is judged for every area and period, under
// every corner of what its qualified figures allow: running expr's machine
// for each means a map of the figures per run. Most expressions are plain
// arithmetic and comparisons over the figures, so each part is also turned
// into a tree of Go functions over a slice of the figures, built from the
// checked and optimised syntax tree expr runs, with expr's semantics for
// the operations it keeps: numbers are float64 (an integer constant meets
// a figure as float64(n), as expr converts it), / divides floats, ** and ^
// are math.Pow, comparisons are Go's, && and || short-circuit, max and min
// (of floats) keep the first of equal or unordered values, and the
// rewriting's _approxAtMost and _halfUnit are called directly. A part using
// anything else, or where expr could compute in integers or fail on an
// integer argument, keeps expr's machine.

// State is what a fast part reads: the figures of one assignment, the
// published figures (for _halfUnit) and the rule's tolerance.
type State struct {
	Vals      []float64 // the assignment being judged, in Expr.Names order
	Published []float64
	Half      []float64 // _halfUnit of each figure, NaN until computed
	Tolerance *float64
}

// halfUnit returns half a unit of the last decimal of published figure i.
func (s *State) halfUnit(i int) float64 {
	if h := s.Half[i]; !math.IsNaN(h) {
		return h
	}
	h := HalfUnit(s.Published[i])
	s.Half[i] = h
	return h
}

// HalfUnit returns half a unit of the last decimal of v's shortest form.
func HalfUnit(v float64) float64 { return 0.5 * math.Pow(10, -float64(Decimals(v))) }

type (
	numFn  func(*State) float64
	boolFn func(*State) bool
)

// fastCompiler builds the functions of one part; ok turns false at the
// first node it does not know.
type fastCompiler struct {
	names map[string]int
	ok    bool
}

// compileFast returns the part's program as a function, or nil when it
// uses something only expr's machine runs.
func compileFast(prog *vm.Program, names []string) boolFn {
	if prog == nil {
		return nil
	}
	c := &fastCompiler{names: make(map[string]int, len(names)), ok: true}
	for i, n := range names {
		c.names[n] = i
	}
	f := c.boolean(prog.Node())
	if !c.ok {
		return nil
	}
	return f
}

func (c *fastCompiler) fail() { c.ok = false }

// constant returns the value of a numeric constant node.
func constant(n ast.Node) (float64, bool) {
	switch n := n.(type) {
	case *ast.IntegerNode:
		return float64(n.Value), true
	case *ast.FloatNode:
		return n.Value, true
	case *ast.ConstantNode:
		switch v := n.Value.(type) {
		case int:
			return float64(v), true
		case float64:
			return v, true
		}
	}
	return 0, false
}

// isNumber reports whether the node computes a number this compiler
// knows: a figure, a constant, or arithmetic, max, min, _halfUnit or a
// conditional over them.
func (c *fastCompiler) isNumber(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		_, ok := c.names[n.Value]
		return ok
	case *ast.IntegerNode, *ast.FloatNode:
		return true
	case *ast.ConstantNode:
		_, ok := constant(n)
		return ok
	case *ast.UnaryNode:
		return (n.Operator == "-" || n.Operator == "+") && c.isNumber(n.Node)
	case *ast.BinaryNode:
		switch n.Operator {
		case "+", "-", "*", "/", "**", "^":
			return c.isNumber(n.Left) && c.isNumber(n.Right)
		}
	case *ast.BuiltinNode:
		return n.Name == "max" || n.Name == "min"
	case *ast.CallNode:
		return calls(n, HalfUnitFunc, -1)
	case *ast.ConditionalNode:
		return c.isNumber(n.Exp1) && c.isNumber(n.Exp2)
	}
	return false
}

// number compiles a numeric node. Two constants meeting in an operation
// are left to expr (its optimiser folds them, with integer arithmetic).
func (c *fastCompiler) number(n ast.Node) numFn {
	if !c.ok {
		return nil
	}
	if v, ok := constant(n); ok {
		return func(*State) float64 { return v }
	}
	switch n := n.(type) {
	case *ast.IdentifierNode:
		i, ok := c.names[n.Value]
		if !ok || reflectKind(n) != reflect.Float64 {
			break
		}
		return func(s *State) float64 { return s.Vals[i] }
	case *ast.UnaryNode:
		if _, isConst := constant(n.Node); isConst || !c.isNumber(n.Node) {
			break
		}
		x := c.number(n.Node)
		switch n.Operator {
		case "+":
			return x
		case "-":
			return func(s *State) float64 { return -x(s) }
		}
	case *ast.BinaryNode:
		return c.arithmetic(n)
	case *ast.BuiltinNode:
		return c.minMax(n)
	case *ast.CallNode:
		return c.halfUnit(n)
	case *ast.ConditionalNode:
		if !c.isNumber(n.Exp1) || !c.isNumber(n.Exp2) || reflectKind(n.Exp1) != reflect.Float64 || reflectKind(n.Exp2) != reflect.Float64 {
			break
		}
		return ifElse(c.boolean(n.Cond), c.number(n.Exp1), c.number(n.Exp2))
	}
	c.fail()
	return nil
}

// ifElse compiles cond ? a : b.
func ifElse[F ~func(*State) T, T any](cond boolFn, a, b F) F {
	return func(s *State) T {
		if cond(s) {
			return a(s)
		}
		return b(s)
	}
}

// reflectKind is the kind of the type expr's checker gave a node, or
// Invalid.
func reflectKind(n ast.Node) reflect.Kind {
	if t := n.Type(); t != nil {
		return t.Kind()
	}
	return reflect.Invalid
}

// operands compiles the two sides of a binary operator over numbers. Two
// constants are left to expr, which folds them (and may compute in
// integers); so is anything not known to be a number.
func (c *fastCompiler) operands(n *ast.BinaryNode) (l, r numFn, ok bool) {
	_, lc := constant(n.Left)
	_, rc := constant(n.Right)
	if (lc && rc) || !c.isNumber(n.Left) || !c.isNumber(n.Right) {
		c.fail()
		return nil, nil, false
	}
	l, r = c.number(n.Left), c.number(n.Right)
	return l, r, c.ok
}

func (c *fastCompiler) arithmetic(n *ast.BinaryNode) numFn {
	l, r, ok := c.operands(n)
	if !ok {
		return nil
	}
	switch n.Operator {
	case "+":
		return func(s *State) float64 { return float64(l(s)) + float64(r(s)) }
	case "-":
		return func(s *State) float64 { return float64(l(s)) - float64(r(s)) }
	case "*":
		return func(s *State) float64 { return float64(l(s)) * float64(r(s)) }
	case "/":
		return func(s *State) float64 { return float64(l(s)) / float64(r(s)) }
	case "**", "^":
		return func(s *State) float64 { return math.Pow(l(s), r(s)) }
	}
	c.fail()
	return nil
}

// minMax compiles max(…) and min(…) of numbers: like expr, the result is
// the first argument that no later one is greater (smaller) than.
func (c *fastCompiler) minMax(n *ast.BuiltinNode) numFn {
	if len(n.Arguments) == 0 {
		c.fail()
		return nil
	}
	args := make([]numFn, len(n.Arguments))
	for i, a := range n.Arguments {
		// With an integer argument the result may be an integer, which
		// expr would go on computing with in integers.
		if !c.isNumber(a) || reflectKind(a) != reflect.Float64 {
			c.fail()
			return nil
		}
		args[i] = c.number(a)
	}
	if !c.ok {
		return nil
	}
	isMax := n.Name == "max"
	if !isMax && n.Name != "min" {
		c.fail()
		return nil
	}
	return func(s *State) float64 {
		m := args[0](s)
		for _, a := range args[1:] {
			v := a(s)
			if (isMax && m < v) || (!isMax && m > v) {
				m = v
			}
		}
		return m
	}
}

// calls reports whether n calls the function name with arity arguments
// (any number when arity is negative).
func calls(n *ast.CallNode, name string, arity int) bool {
	id, ok := n.Callee.(*ast.IdentifierNode)
	return ok && id.Value == name && (arity < 0 || len(n.Arguments) == arity)
}

// halfUnit compiles _halfUnit("code"): half a unit of the last decimal of
// the published figure of code, 0.5 for a code the expression does not
// name (whose figure is taken as 0).
func (c *fastCompiler) halfUnit(n *ast.CallNode) numFn {
	if !calls(n, HalfUnitFunc, 1) {
		c.fail()
		return nil
	}
	code, ok := n.Arguments[0].(*ast.StringNode)
	if !ok {
		c.fail()
		return nil
	}
	i, named := c.names[code.Value]
	if !named {
		h := HalfUnit(0)
		return func(*State) float64 { return h }
	}
	return func(s *State) float64 { return s.halfUnit(i) }
}

// boolean compiles a condition.
func (c *fastCompiler) boolean(n ast.Node) boolFn {
	if !c.ok {
		return nil
	}
	switch n := n.(type) {
	case *ast.BoolNode:
		v := n.Value
		return func(*State) bool { return v }
	case *ast.ConstantNode:
		if v, ok := n.Value.(bool); ok {
			return func(*State) bool { return v }
		}
	case *ast.UnaryNode:
		if n.Operator == "!" || n.Operator == "not" {
			x := c.boolean(n.Node)
			return func(s *State) bool { return !x(s) }
		}
	case *ast.BinaryNode:
		return c.binaryBool(n)
	case *ast.CallNode:
		return c.approx(n)
	case *ast.ConditionalNode:
		return ifElse(c.boolean(n.Cond), c.boolean(n.Exp1), c.boolean(n.Exp2))
	}
	c.fail()
	return nil
}

func (c *fastCompiler) binaryBool(n *ast.BinaryNode) boolFn {
	switch n.Operator {
	case "&&", "and":
		l, r := c.boolean(n.Left), c.boolean(n.Right)
		return func(s *State) bool { return l(s) && r(s) }
	case "||", "or":
		l, r := c.boolean(n.Left), c.boolean(n.Right)
		return func(s *State) bool { return l(s) || r(s) }
	}
	l, r, ok := c.operands(n)
	if !ok {
		return nil
	}
	switch n.Operator {
	case "<":
		return func(s *State) bool { return l(s) < r(s) }
	case "<=":
		return func(s *State) bool { return l(s) <= r(s) }
	case ">":
		return func(s *State) bool { return l(s) > r(s) }
	case ">=":
		return func(s *State) bool { return l(s) >= r(s) }
	case "==":
		return func(s *State) bool { return l(s) == r(s) }
	case "!=":
		return func(s *State) bool { return l(s) != r(s) }
	}
	c.fail()
	return nil
}

// approx compiles _approxAtMost(x, y, t, k) with a constant k.
func (c *fastCompiler) approx(n *ast.CallNode) boolFn {
	if !calls(n, ApproxFunc, 4) {
		c.fail()
		return nil
	}
	var k int
	switch kv := n.Arguments[3].(type) {
	case *ast.IntegerNode:
		k = kv.Value
	case *ast.ConstantNode:
		v, ok := kv.Value.(int)
		if !ok {
			c.fail()
			return nil
		}
		k = v
	default:
		c.fail()
		return nil
	}
	for _, a := range n.Arguments[:3] {
		// expr passes the arguments as they are: one that is not a float64
		// for sure (an integer its optimiser folded, a max of integers)
		// makes the call fail, and the part give no verdict.
		if !c.isNumber(a) || reflectKind(a) != reflect.Float64 {
			c.fail()
			return nil
		}
	}
	x, y, t := c.number(n.Arguments[0]), c.number(n.Arguments[1]), c.number(n.Arguments[2])
	if !c.ok {
		return nil
	}
	return func(s *State) bool { return ApproxAtMost(s.Tolerance, x(s), y(s), t(s), k) }
}
