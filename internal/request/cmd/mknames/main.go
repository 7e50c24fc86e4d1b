// Command mknames writes the name shape table that internal/request embeds
// (names.txt.gz): naive Bayes log-odds of "album name" against "track
// title" learned from the album names and titles of the shared catalogs
// (../shared/data: the playlist file and the raw per-genre sources M, C and
// J of tracks_multigenre.csv, which keep the album column the merged table
// drops). `make names` runs it; the output is deterministic.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/continuo/continuo/internal/atomicfile"
	"github.com/continuo/continuo/internal/request"
)

func main() {
	data := flag.String("data", "../shared/data", "the shared data folder")
	out := flag.String("o", "internal/request/names.txt.gz", "output file")
	flag.Parse()
	if err := run(*data, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mknames:", err)
		os.Exit(1)
	}
}

func run(data, out string) error {
	albums, titles, err := request.ReadCatalogNames(data)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := request.WriteNameShape(&buf, albums, titles); err != nil {
		return err
	}
	// Whole or not at all: a half-written table would break the build.
	if err := atomicfile.WriteBytes(out, buf.Bytes()); err != nil {
		return err
	}
	fmt.Printf("%s: from %d album and %d title rows\n", out, len(albums), len(titles))
	return nil
}
