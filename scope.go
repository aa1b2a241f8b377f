package chiso

import "sort"

// AreasWithin returns the codes of the areas a scope of the given codes
// covers, sorted: each area named, every area below it (its districts and
// communes, by Parent), and with lineage the areas that became it (its
// predecessors, and theirs), with what lies below them. Unknown lists the
// codes the catalogue does not know, in the order given.
func (c *Catalogue) AreasWithin(codes []string, lineage bool) (within []string, unknown []string) {
	in := map[string]bool{}
	var add func(code string)
	add = func(code string) {
		if in[code] {
			return
		}
		in[code] = true
		if lineage {
			for _, l := range c.Predecessors(code) {
				add(l.From)
			}
		}
	}
	for _, code := range codes {
		if _, ok := c.Area(code); !ok {
			unknown = append(unknown, code)
			continue
		}
		add(code)
	}
	for changed := true; changed; { // below: until no area's parent adds one
		changed = false
		for _, a := range c.Areas {
			if !in[a.Code] && a.Parent != "" && in[a.Parent] {
				in[a.Code], changed = true, true
			}
		}
	}
	for code := range in {
		within = append(within, code)
	}
	sort.Strings(within)
	return within, unknown
}

// Action is a kind of write a token may be allowed.
type Action string

// The actions a token may be allowed; a token that names none has all.
const (
	ActionImport       Action = "import"        // import observations (API)
	ActionAck          Action = "ack"           // acknowledge alerts
	ActionSilence      Action = "silence"       // add and expire silences
	ActionReload       Action = "reload"        // reload configuration and rules
	ActionTestReceiver Action = "test_receiver" // send a test notification
	ActionAdmin        Action = "admin"         // read the audit log
)

// Actions lists every action, in the order the documentation gives them.
var Actions = []Action{ActionImport, ActionAck, ActionSilence, ActionReload, ActionTestReceiver, ActionAdmin}

// Valid reports whether a is a known action.
func (a Action) Valid() bool {
	for _, k := range Actions {
		if a == k {
			return true
		}
	}
	return false
}
