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
	return Model{
		Catalog: cat,
		Engine:  recommend.New(cat, recommend.Options{}),
		Index:   resolve.NewIndex(cat.Tracks),
	}, nil
}
