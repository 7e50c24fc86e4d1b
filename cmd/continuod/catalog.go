package main

import (
	"errors"
	"io/fs"
	"os"

	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/config"
	"github.com/continuo/continuo/internal/drive"
)

// installedCatalog is where `make install` puts the snapshot that `make
// full-catalog` built (PREFIX=/usr). A fixed path, not one relative to the
// binary: the unit runs with ProtectSystem=strict and reads /usr only.
const installedCatalog = "/usr/share/continuo/catalog.snap"

// loadModel loads the catalog the config names. With none named it takes
// the installed snapshot when there is one, else the embedded default. A
// configured file that cannot be used is an error (the driver asked for
// it). An installed one that cannot be used is logged and, at start, the
// embedded default plays instead, so a damaged package never leaves the
// car silent; on SIGHUP (start false) it is an error and the running
// catalog is kept.
func loadModel(cfg config.Catalog, installed string, start bool, log zerolog.Logger) (drive.Model, error) {
	if cfg.Path != "" {
		return drive.LoadModel(cfg.Path, cfg.URITemplate)
	}
	if _, err := os.Stat(installed); errors.Is(err, fs.ErrNotExist) {
		return drive.LoadModel("", cfg.URITemplate)
	}
	m, err := drive.LoadModel(installed, cfg.URITemplate)
	if err == nil || !start {
		return m, err
	}
	log.Error().Err(err).Str("path", installed).Msg("installed catalog refused; using the embedded default")
	return drive.LoadModel("", cfg.URITemplate)
}
