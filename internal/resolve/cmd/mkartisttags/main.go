// Command mkartisttags writes the table of artists known beyond the catalog
// that internal/resolve embeds (artist_tags.txt.gz): every artist of the
// Spotify artist file (spotify_artist_genres_w_features.csv, ../shared/data)
// that has genre tags, with those tags. `make artist-tags` runs it; the
// output is deterministic, so regenerating gives the same bytes.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/continuo/continuo/internal/atomicfile"
	"github.com/continuo/continuo/internal/resolve"
)

func main() {
	in := flag.String("in", "../shared/data/spotify_artist_genres_w_features.csv", "the artist file (columns genres, artists)")
	out := flag.String("o", "internal/resolve/artist_tags.txt.gz", "output file")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mkartisttags:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	artists, err := resolve.ReadArtistFile(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	var buf bytes.Buffer
	if err := resolve.WriteArtistTags(&buf, artists); err != nil {
		return err
	}
	// Whole or not at all: a half-written table would break the build.
	if err := atomicfile.WriteBytes(out, buf.Bytes()); err != nil {
		return err
	}
	fmt.Printf("%s: %d artists with tags\n", out, len(artists))
	return nil
}
