// Package panics turns a panic in code that parses untrusted input (a cron
// spec, a YAML tree, a check kind's constructor) into an error, so that bad
// input is reported where it was found instead of crashing the daemon.
package panics

import "fmt"

// Into, deferred directly (defer panics.Into(&err, "parse %q", s)), recovers
// a panic of the function that deferred it and sets *err to the formatted
// context followed by ": " and the panic's value. Without a panic it leaves
// *err alone. It must be the deferred call itself: recover works only
// there.
func Into(err *error, format string, args ...any) {
	if r := recover(); r != nil {
		*err = fmt.Errorf(format+": %v", append(args, r)...)
	}
}
