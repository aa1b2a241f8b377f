package engine

import "github.com/chiso-vn/chiso"

// Figure returns the current revision of the figure of the indicator in
// the area for the period (the latest period when p is zero), as the index
// holds it: value, qualifier,
// source, method and store sequence number (ID). The alert manager asks it
// how a judged figure was published, and whether it was revised since.
func (e *Engine) Figure(indicator, area string, p chiso.Period) (chiso.Observation, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := e.ix.view(indicator, area)
	i := s.Len() - 1
	if !p.IsZero() {
		i = s.Find(p)
	}
	if i < 0 {
		return chiso.Observation{}, false
	}
	return chiso.Observation{Indicator: indicator, Area: area, Period: s.Period(i), Value: s.Value(i),
		Qualifier: s.Qualifier(i), Source: s.Source(i), Method: s.Method(i), ID: s.ID(i)}, true
}
