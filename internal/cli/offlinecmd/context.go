package offlinecmd

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/continuo/continuo/internal/cli/output"
	"github.com/continuo/continuo/internal/incar"
)

// defaultDataDir is the shared data of the development tree, or
// $CONTINUO_SHARED_DATA.
func defaultDataDir() string {
	if d := os.Getenv("CONTINUO_SHARED_DATA"); d != "" {
		return d
	}
	return "../shared/data"
}

// contextDoc is the JSON document of `eval --context`: the main table and
// the ablation (only the family part, only the feature part of the shift).
type contextDoc struct {
	Users     int                           `json:"users"`
	Boot      int                           `json:"boot"`
	Seed      uint64                        `json:"seed"`
	NewDriver bool                          `json:"new_driver"`
	Results   []incar.FamilyResult          `json:"results"`
	Ablation  map[string]incar.FamilyResult `json:"ablation"`
}

// runContextEval is `eval --context`: the leave-one-user-out evaluation of
// the in-car steering table (internal/incar), deterministic for a seed.
func runContextEval(ctx context.Context, dir string, opt incar.EvalOptions, jsonOut bool, stdout io.Writer) error {
	if opt.Boot < 100 || opt.Boot > 100000 {
		return usagef("--boot wants 100..100000")
	}
	d, err := incar.Load(dir)
	if err != nil {
		return err
	}
	doc := contextDoc{Users: countUsers(d), Boot: opt.Boot, Seed: opt.Seed, NewDriver: opt.NewDriver,
		Results: incar.EvalLOO(d, opt), Ablation: map[string]incar.FamilyResult{}}
	for _, p := range []incar.Parts{incar.PartsFamily, incar.PartsFeatures} {
		if err := ctx.Err(); err != nil {
			return err
		}
		o := opt
		o.Parts = p
		res := incar.EvalLOO(d, o)
		doc.Ablation[p.String()] = res[len(res)-1]
	}
	if jsonOut {
		return output.JSON(stdout, doc)
	}
	if err := incar.WriteEvalTable(stdout, doc.Results, opt, doc.Users); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nAblation, all families (the part of the learned shift the context-aware score adds):")
	for _, p := range []incar.Parts{incar.PartsAll, incar.PartsFamily, incar.PartsFeatures} {
		r := doc.Results[len(doc.Results)-1]
		if p != incar.PartsAll {
			r = doc.Ablation[p.String()]
		}
		fmt.Fprintf(stdout, "  %-18s NDCG@5 lift %+.3f [%+.3f, %+.3f]   rho lift %+.3f [%+.3f, %+.3f]\n",
			p, r.NDCG.Lift, r.NDCG.Lo, r.NDCG.Hi, r.Spearman.Lift, r.Spearman.Lo, r.Spearman.Hi)
	}
	return nil
}

func countUsers(d *incar.Data) int {
	u := map[int]bool{}
	for _, r := range d.Ratings {
		u[r.User] = true
	}
	return len(u)
}
