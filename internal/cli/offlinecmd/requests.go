package offlinecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/continuo/continuo/internal/cli/output"
	"github.com/continuo/continuo/internal/eval"
	"github.com/continuo/continuo/internal/request"
)

// runRequests is `eval --requests FILE`: the request parser's per-slot
// scores, cross-validated on the file, and Understand on the catalog.
// With heldout the file is scored with the embedded tagger instead.
func runRequests(ctx context.Context, path, catPath string, folds int, heldout, jsonOut bool, stdout io.Writer) error {
	if folds < 2 || folds > 20 {
		return usagef("--folds %d: want 2..20", folds)
	}
	if heldout {
		folds = 0
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("requests: %w", err)
	}
	defer f.Close()
	examples, err := request.ReadSNIPS(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	cat, err := loadCatalog(catPath)
	if err != nil {
		return err
	}
	rep, err := eval.RunRequests(ctx, examples, folds, cat)
	if err != nil {
		return err
	}
	if jsonOut {
		return output.JSON(stdout, rep)
	}
	return rep.WriteTable(stdout)
}

// runParse is `parse [--json] TEXT`: the slots of one request.
func runParse(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jsonOut := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	text := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(text) == "" {
		return usagef("want the request to parse, e.g. parse play Femme Fatale by Bonobo")
	}
	s, err := request.Parse(text)
	if err != nil {
		return err
	}
	if *jsonOut {
		return output.JSON(stdout, s)
	}
	rows := make([][]string, len(s.Spans))
	for i, sp := range s.Spans {
		rows[i] = []string{sp.Slot, sp.Text}
	}
	if len(rows) == 0 {
		fmt.Fprintln(stdout, "(no slots)")
		return nil
	}
	return output.Table(stdout, []string{"SLOT", "TEXT"}, rows)
}
