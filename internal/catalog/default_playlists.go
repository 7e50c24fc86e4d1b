package catalog

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
)

// defaultPlaylists are the real playlists whose every track the default
// catalog holds (playlist_id, playlist_name, playlist_genre,
// playlist_subgenre, track_id of testdata/catalog/playlists.csv), so that
// `continuoctl eval` measures playlist continuation with no files at all.
//
//go:embed default_playlists.csv.gz
var defaultPlaylists []byte

// DefaultPlaylists returns the playlists sampled into the default catalog.
func DefaultPlaylists() ([]Playlist, error) {
	zr, err := gzip.NewReader(bytes.NewReader(defaultPlaylists))
	if err != nil {
		return nil, fmt.Errorf("embedded playlists: %w", err)
	}
	defer zr.Close()
	return readPlaylists(zr, "default_playlists.csv")
}
