// Package samplecat reads chiso's built-in sample data (package sample)
// through the importer: its catalogue and its observations. The importer
// itself knows nothing of the sample, so a program that imports its own
// data does not carry the sample's reading code.
package samplecat

import (
	"fmt"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/ingest"
	"github.com/chiso-vn/chiso/sample"
)

// Catalogue reads the catalogue of the built-in sample data: indicators,
// areas, lineage, national targets, dated bounds and the five articles.
func Catalogue() (*chiso.Catalogue, error) {
	cat, err := ingest.ReadCatalogueFiles(sample.FS(), sample.Indicators, sample.Areas, sample.Lineage,
		sample.Targets, sample.Bounds, sample.Sources)
	if err != nil {
		return nil, fmt.Errorf("sample catalogue: %w", err)
	}
	return cat, nil
}

// Read reads the observations of the built-in sample data (the figures of
// five published articles, each row citing its article) against cat,
// normally Catalogue's, as ingest.Read does.
func Read(cat *chiso.Catalogue, emit func(chiso.Observation) error) error {
	f, err := sample.FS().Open(sample.Observations)
	if err != nil {
		return fmt.Errorf("sample observations: %w", err)
	}
	defer f.Close()
	return ingest.Read(f, sample.Observations, ingest.Options{Catalogue: cat}, emit)
}
