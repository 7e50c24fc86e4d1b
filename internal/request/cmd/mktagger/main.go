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

	"github.com/continuo/continuo/internal/atomicfile"
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
	// Whole or not at all: a half-written blob would break the build.
	if err := atomicfile.WriteBytes(out, buf.Bytes()); err != nil {
		return err
	}
	return nil
}
