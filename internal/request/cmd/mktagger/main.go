// Command mktagger trains the request tagger from the embedded SNIPS
// PlayMusic requests and writes its weights to the blob that
// internal/request embeds (`go generate ./internal/request`, `make tagger`).
// Training is deterministic, so regenerating gives the same bytes.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/continuo/continuo/internal/request"
)

func main() {
	out := flag.String("o", "tagger.bin.gz", "output file")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "mktagger:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	var buf bytes.Buffer
	if err := request.WriteTrainedTagger(&buf); err != nil {
		return err
	}
	// Write whole or not at all: a half-written blob would break the build.
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	return nil
}
