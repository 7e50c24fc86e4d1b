package drive

import (
	"fmt"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/resolve"
)

// LoadModel loads the catalog (path "" = the embedded default), fills
// playable URIs from the template, and builds the engine and search index on
// it. Used at start and on SIGHUP.
func LoadModel(path, uriTemplate string) (Model, error) {
	var (
		cat *catalog.Catalog
		err error
	)
	if path == "" {
		cat, err = catalog.Default()
	} else {
		cat, err = catalog.Load(path)
	}
	if err != nil {
		return Model{}, fmt.Errorf("load catalog: %w", err)
	}
	if uriTemplate != "" {
		// Default() is shared by the process; templating writes URIs, so
		// it gets its own copy.
		cat = cat.Clone()
		catalog.ApplyURITemplate(cat, uriTemplate)
	}
	ix, err := resolve.Open(cat)
	if err != nil {
		return Model{}, fmt.Errorf("load catalog: %w", err)
	}
	engine := recommend.New(cat, recommend.Options{})
	cat.ReleaseTrackRecords()
	return Model{Catalog: cat, Engine: engine, Index: ix}, nil
}

// WriteSnapshot writes c with what LoadModel would otherwise compute at
// every start: the engine's per-row keys and the search index, as sections
// the daemon reads in place (docs/footprint.md).
//
// The rows are written in the order the engine reads them
// (recommend.ListOrdered): a catalog large enough for the engine's IVF
// index in the index's list order, with the index; one whose tracks share
// their artists' genre rows (the full catalog) with the rows of each
// distinct genre row together.
func WriteSnapshot(path string, c *catalog.Catalog) error {
	c, opts, err := recommend.ListOrdered(c, recommend.Options{})
	if err != nil {
		return err
	}
	extra, err := recommend.SectionsWith(c, opts)
	if err != nil {
		return err
	}
	extra = append(extra, resolve.Sections(resolve.NewIndex(c.AllTracks()))...)
	return catalog.WriteSnapshot(path, c, extra...)
}
