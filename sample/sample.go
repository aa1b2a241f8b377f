// Package sample holds chiso's built-in sample data: the catalogue of
// indicators, areas, lineage and national targets, and the figures published
// in five articles (Phú Thọ 2018 and 2024, Vĩnh Phúc 2023, Điện Biên 2022,
// Phú Yên 2021), with the articles themselves.
package sample

import (
	"embed"
	"io/fs"
)

//go:embed seed
var seed embed.FS

// FS returns the sample files: indicators.csv, areas.csv, lineage.csv,
// targets.csv, bounds.csv, sources.csv, observations.csv and articles/*.txt.
func FS() fs.FS {
	sub, err := fs.Sub(seed, "seed")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// The names of the sample files within FS.
const (
	Indicators   = "indicators.csv"
	Areas        = "areas.csv"
	Lineage      = "lineage.csv"
	Targets      = "targets.csv"
	Bounds       = "bounds.csv"
	Observations = "observations.csv"
	Sources      = "sources.csv" // the articles' titles, publishers and dates
)
