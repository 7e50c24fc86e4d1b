// Command mkapidoc writes docs/api.md, the API reference, from the
// contract XML embedded in internal/busapi. Run it with
// `go generate ./internal/busapi` or `make api-doc`; a test in
// internal/busapi fails when the checked-in file is stale.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/busapi/apidoc"
)

func main() {
	out := flag.String("out", "docs/api.md", "file to write")
	flag.Parse()
	doc, err := apidoc.Render(busapi.IntrospectXML, busapi.ContractSource, busapi.RegenerateAPIDoc)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkapidoc:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, append(doc, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "mkapidoc:", err)
		os.Exit(1)
	}
}
