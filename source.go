package chiso

import "time"

// Source is a publication figures come from: an article, a report, a
// file. Observations and findings cite it by ID.
type Source struct {
	ID        string    // what observations cite, e.g. 000_fda3ff747248bcf6.txt
	Title     string    // the article's or file's title; empty if unknown
	Publisher string    // the department or outlet that published it; empty if unknown
	Published time.Time // the date of publication; zero if unknown
	URL       string    // where to read it; empty if none
}

// Source returns the source with the id.
func (c *Catalogue) Source(id string) (Source, bool) {
	for _, s := range c.Sources {
		if s.ID == id {
			return s, true
		}
	}
	return Source{}, false
}
