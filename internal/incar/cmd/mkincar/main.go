// Command mkincar learns the in-car steering table from the InCarMusic data
// set and writes it for embedding (internal/incar/model.json). It runs at
// build time (make incar), never in the daemon; a test in internal/incar
// fails when the embedded table is stale.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/continuo/continuo/internal/incar"
)

func main() {
	data := flag.String("data", "../shared/data", "shared data directory (holds incarmusic/ and tracks_multigenre.csv)")
	out := flag.String("out", "internal/incar/model.json", "where to write the learned table")
	flag.Parse()
	if err := run(*data, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mkincar:", err)
		os.Exit(1)
	}
}

func run(data, out string) error {
	d, err := incar.Load(data)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	m := incar.Learn(d, 0)
	if err := m.Encode(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	fmt.Printf("mkincar: %d ratings by %d users, %d shifts, %d items joined to audio features, %d conditions -> %s\n",
		m.Ratings, m.Users, m.Shifts, m.Joined, len(m.Effects), out)
	return nil
}
