package checks

import (
	"fmt"
	"strings"
)

// trs is tr for string arguments: the language's template with each %s
// replaced by the next argument and %% by %, as fmt.Sprintf would write it,
// without fmt's reflection. A template with any other verb, or arguments
// that do not match its verbs, goes to fmt.Sprintf.
func (e Env) trs(vi, en string, args ...string) string {
	if e.english() {
		return fill(en, args)
	}
	return fill(vi, args)
}

// fill writes the template t with its %s verbs replaced by args in turn
// and %% by %: fmt.Sprintf(t, args...).
func fill(t string, args []string) string {
	n := len(t)
	for _, a := range args {
		n += len(a)
	}
	var b strings.Builder
	b.Grow(n)
	rest, k := t, 0
	for {
		i := strings.IndexByte(rest, '%')
		if i < 0 {
			break
		}
		if i+1 >= len(rest) {
			return sprintf(t, args)
		}
		b.WriteString(rest[:i])
		switch rest[i+1] {
		case 's':
			if k >= len(args) {
				return sprintf(t, args)
			}
			b.WriteString(args[k])
			k++
		case '%':
			b.WriteByte('%')
		default:
			return sprintf(t, args)
		}
		rest = rest[i+2:]
	}
	if k != len(args) {
		return sprintf(t, args)
	}
	b.WriteString(rest)
	return b.String()
}

// sprintf is fmt.Sprintf of string arguments.
func sprintf(t string, args []string) string {
	as := make([]any, len(args))
	for i, a := range args {
		as[i] = a
	}
	return fmt.Sprintf(t, as...)
}
