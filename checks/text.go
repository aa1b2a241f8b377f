package checks

import (
	"strings"

	"github.com/chiso-vn/chiso"
)

// textChunk is the size of the buffers a textArena cuts strings from: big
// enough that a message costs no allocation of its own, small enough that
// a message kept long after its neighbours keeps little else alive.
const textChunk = 16 << 10

// textArena makes strings by copying bytes into shared buffers: the
// messages of one evaluation cost an allocation per textChunk instead of
// one each. A strings.Builder never changes what it has written, so each
// string stays valid however the arena is used afterwards.
type textArena struct {
	b strings.Builder
}

// string returns p as a string.
func (a *textArena) string(p []byte) string {
	if a.b.Cap()-a.b.Len() < len(p) {
		if len(p) > textChunk/4 {
			return string(p)
		}
		a.b = strings.Builder{}
		a.b.Grow(textChunk)
	}
	start := a.b.Len()
	a.b.Write(p)
	return a.b.String()[start:]
}

// periodNames remembers the names of the periods an evaluation writes in
// its messages, in a small table indexed by the period's key.
type periodNames struct {
	lang  string
	slots [64]periodName
}

type periodName struct {
	p    chiso.Period
	name string
}

// name returns FormatPeriod(p, lang).
func (c *periodNames) name(p chiso.Period) string {
	slot := &c.slots[(uint32(p.Key())*2654435761)>>26]
	if slot.name == "" || slot.p != p {
		slot.p, slot.name = p, FormatPeriod(p, c.lang)
	}
	return slot.name
}
