package drive

import (
	"context"
	"runtime"

	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
)

// scoringSlots is how many Recommend calls score at once: one per CPU the
// Go scheduler runs on. Scoring is CPU-bound (a pass over the catalog's
// matrices), so more at once finish no sooner; each holds the engine's
// per-request buffers (for the full catalog ~1.6 MB: a genre and a mood
// score per row), and fifty D-Bus clients scoring at once grew the full
// catalog's RSS by a third (docs/footprint.md). Waiting callers hold only
// their goroutine.
func scoringSlots() int { return max(runtime.GOMAXPROCS(0), 1) }

// score runs e.Recommend(req) in a scoring slot, waiting for one until
// ctx ends (then KindUnavailable, as a busy core goroutine answers).
func (c *Core) score(ctx context.Context, e *recommend.Engine, req recommend.Request) ([]recommend.Pick, error) {
	select {
	case c.scoring <- struct{}{}:
	case <-ctx.Done():
		return nil, music.WrapKind(music.KindUnavailable, ctx.Err(), "daemon busy")
	}
	defer func() { <-c.scoring }()
	return e.Recommend(req)
}
