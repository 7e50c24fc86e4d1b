package catalog

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/continuo/continuo/internal/music"
)

// Playlist is one real playlist of spotify_songs_playlists.csv: its tracks
// in file order, each once.
type Playlist struct {
	ID, Name, Genre, Subgenre string
	Tracks                    []music.TrackID
}

// ReadPlaylists reads playlists from a file in the format of
// spotify_songs_playlists.csv (the full file or the extract in
// testdata/catalog/playlists.csv), in order of first appearance.
func ReadPlaylists(path string) ([]Playlist, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read playlists: %w", err)
	}
	defer f.Close()
	pls, err := readPlaylists(f, path)
	if err != nil {
		return nil, fmt.Errorf("read playlists: %w", err)
	}
	return pls, nil
}

func readPlaylists(r io.Reader, name string) ([]Playlist, error) {
	llr := &lineLimitReader{r: r, max: defaultMaxLine}
	cr := csv.NewReader(bufio.NewReader(llr))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, errLineTooLong) {
			return nil, music.Errorf(music.KindInvalid, "%s:1: line too long", name)
		}
		return nil, music.Errorf(music.KindInvalid, "%s: header: %v", name, err)
	}
	cols := map[string]int{}
	for i, h := range header {
		cols[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	for _, need := range []string{"track_id", "playlist_id"} {
		if _, ok := cols[need]; !ok {
			return nil, music.Errorf(music.KindInvalid, "%s: no %s column", name, need)
		}
	}
	get := func(rec []string, col string) string {
		i, ok := cols[col]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var out []Playlist
	byID := map[string]int{}
	seen := map[string]map[music.TrackID]bool{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			if errors.Is(err, errLineTooLong) {
				return nil, music.Errorf(music.KindInvalid, "%s:%d: line too long", name, llr.line+1)
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, music.Errorf(music.KindInvalid, "%s:%d: malformed csv: %v", name, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		pid, tid := get(rec, "playlist_id"), get(rec, "track_id")
		if pid == "" || !validID(tid) {
			continue
		}
		i, ok := byID[pid]
		if !ok {
			i = len(out)
			byID[pid] = i
			seen[pid] = map[music.TrackID]bool{}
			out = append(out, Playlist{ID: pid, Name: get(rec, "playlist_name"),
				Genre: get(rec, "playlist_genre"), Subgenre: get(rec, "playlist_subgenre")})
		}
		if id := music.TrackID(tid); !seen[pid][id] {
			seen[pid][id] = true
			out[i].Tracks = append(out[i].Tracks, id)
		}
	}
}
