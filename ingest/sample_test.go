package ingest

import (
	"fmt"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/sample"
)

// The importer's tests read the built-in sample themselves (package
// samplecat, which the rest of the code uses, imports this package).

func sampleCatalogue() (*chiso.Catalogue, error) {
	return ReadCatalogueFiles(sample.FS(), sample.Indicators, sample.Areas, sample.Lineage,
		sample.Targets, sample.Bounds, sample.Sources)
}

func readSample(cat *chiso.Catalogue, emit func(chiso.Observation) error) error {
	f, err := sample.FS().Open(sample.Observations)
	if err != nil {
		return fmt.Errorf("sample observations: %w", err)
	}
	defer f.Close()
	return Read(f, sample.Observations, Options{Catalogue: cat}, emit)
}
