package request

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// nameSource is a set of CSV files and the columns holding a track's title and
// its album's name.
type nameSource struct {
	glob, title, album string
}

var nameSources = []nameSource{
	{"spotify_songs_playlists.csv", "track_name", "track_album_name"},
	{"raw/richard-ch__Spotify-Popularity-Predictor/*.csv", "track_name", "album_name"},
	{"raw/Cristhianrg1__spotify_song_popularity_prediction/*.csv", "track_name", "album_name"},
	{"raw/jsilber17__Spotify-Popularity/*.csv", "track", "album"},
}

// ReadCatalogNames reads every album name and track title of the shared
// catalogs under data (../shared/data): the playlist file and the raw
// per-genre files of sources M, C and J, which keep the album column that
// tracks_multigenre.csv drops. "NA" (a missing value there) is skipped.
func ReadCatalogNames(data string) (albums, titles []string, err error) {
	for _, s := range nameSources {
		files, err := filepath.Glob(filepath.Join(data, s.glob))
		if err != nil || len(files) == 0 {
			return nil, nil, fmt.Errorf("%s: no files (%v)", filepath.Join(data, s.glob), err)
		}
		slices.Sort(files)
		for _, f := range files {
			if err := readNames(f, s, &albums, &titles); err != nil {
				return nil, nil, err
			}
		}
	}
	return albums, titles, nil
}

func readNames(path string, s nameSource, albums, titles *[]string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", path, err)
	}
	if len(head) <= 1 {
		return nil // three of source C's files are empty ("", data README)
	}
	ti, ai := slices.Index(head, s.title), slices.Index(head, s.album)
	if ti < 0 || ai < 0 {
		return fmt.Errorf("%s: no %q or %q column", path, s.title, s.album)
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: line %d: %w", path, line, err)
		}
		if ti < len(rec) && rec[ti] != "NA" {
			*titles = append(*titles, rec[ti])
		}
		if ai < len(rec) && rec[ai] != "NA" {
			*albums = append(*albums, rec[ai])
		}
	}
}
