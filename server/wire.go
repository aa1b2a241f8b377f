package server

import (
	"math"
	"time"

	"github.com/chiso-vn/chiso"
)

// observationJSON is the wire form of an observation.
type observationJSON struct {
	Indicator  string    `json:"indicator"`
	Area       string    `json:"area"`
	Period     string    `json:"period"`
	Value      float64   `json:"value"`
	Qualifier  string    `json:"qualifier"`
	Raw        string    `json:"raw,omitempty"`
	Source     string    `json:"source,omitempty"`
	ReportedOn string    `json:"reported_on,omitempty"`
	Method     string    `json:"method,omitempty"`
	Revision   int       `json:"revision"`
	IngestedAt time.Time `json:"ingested_at,omitzero"`
	ID         int64     `json:"id"`
}

func toObservationJSON(o chiso.Observation) observationJSON {
	j := observationJSON{Indicator: o.Indicator, Area: o.Area, Period: o.Period.String(), Value: o.Value,
		Qualifier: o.Qualifier.String(), Raw: o.Raw, Source: o.Source, Method: o.Method,
		Revision: o.Revision, IngestedAt: o.IngestedAt, ID: o.ID}
	if !o.ReportedOn.IsZero() {
		j.ReportedOn = o.ReportedOn.Format(time.DateOnly)
	}
	return j
}

type indicatorJSON struct {
	Code        string   `json:"code"`
	NameVI      string   `json:"name_vi"`
	NameEN      string   `json:"name_en"`
	Unit        string   `json:"unit"`
	Kind        string   `json:"kind"`
	Additive    bool     `json:"additive"`
	Min         *float64 `json:"min"`
	Max         *float64 `json:"max"`
	Method      string   `json:"method,omitempty"`
	Concept     string   `json:"concept,omitempty"`
	Description string   `json:"description,omitempty"`
}

func toIndicatorJSON(ind chiso.Indicator) indicatorJSON {
	return indicatorJSON{Code: ind.Code, NameVI: ind.NameVI, NameEN: ind.NameEN, Unit: ind.Unit,
		Kind: string(ind.Kind), Additive: ind.Additive, Min: finite(ind.Min), Max: finite(ind.Max),
		Method: ind.Method, Concept: ind.Concept, Description: ind.Description}
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

type areaJSON struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Level     string `json:"level"`
	Parent    string `json:"parent,omitempty"`
	GSOCode   string `json:"gso_code,omitempty"`
	ValidFrom string `json:"valid_from,omitempty"`
	ValidTo   string `json:"valid_to,omitempty"`
}

func toAreaJSON(a chiso.Area) areaJSON {
	j := areaJSON{Code: a.Code, Name: a.Name, Level: string(a.Level), Parent: a.Parent, GSOCode: a.GSOCode}
	if !a.ValidFrom.IsZero() {
		j.ValidFrom = a.ValidFrom.Format(time.DateOnly)
	}
	if !a.ValidTo.IsZero() {
		j.ValidTo = a.ValidTo.Format(time.DateOnly)
	}
	return j
}
