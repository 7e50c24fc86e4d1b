package recommend_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/eval"
	"github.com/continuo/continuo/internal/recommend"
)

// TestPlaylistAblation switches the engine's rules off one at a time and
// prints what each costs on the playlist continuation of `continuoctl
// eval` (embedded catalog and playlists, the first five tracks as the
// session, hit@10, recall@10, R-precision). A report, so it runs only with
// CONTINUO_ABLATION=1 (make-free: go test -run PlaylistAblation -v
// ./internal/recommend with the variable set). It fails when a switch
// changes nothing (but the region penalty's, idle without an anchor): then
// it does not switch its rule off.
func TestPlaylistAblation(t *testing.T) {
	if os.Getenv("CONTINUO_ABLATION") != "1" {
		t.Skip("set CONTINUO_ABLATION=1 for the playlist ablation report")
	}
	cat, err := catalog.Default()
	require.NoError(t, err)
	pls, err := catalog.DefaultPlaylists()
	require.NoError(t, err)
	var lists []eval.Playlist
	for _, p := range pls {
		if pl := eval.PlaylistFromIDs(cat, p.Name, p.Tracks); len(pl.Rows) > 5 {
			lists = append(lists, pl)
		}
	}
	run := func(m eval.Method) eval.Metrics {
		rep, err := eval.Run(cat, []eval.Method{m}, eval.Options{Seeds: 1, Playlists: lists})
		require.NoError(t, err)
		return rep.Methods[0]
	}
	type variant struct {
		name string
		opts recommend.Options
		off  func(*recommend.Engine)
	}
	variants := []variant{{name: "engine (every rule)"}}
	names := make([]string, 0, len(recommend.Rules))
	for n := range recommend.Rules {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		variants = append(variants, variant{name: "without " + n, off: recommend.Rules[n]})
	}
	for _, w := range []struct {
		name string
		w    recommend.Weights
	}{
		{"family bonus", recommend.Weights{Family: -1}},
		{"same-artist penalty", recommend.Weights{SameArtist: -1}},
		{"transition", recommend.Weights{Transition: -1}},
		{"popularity prior", recommend.Weights{Popularity: -1}},
	} {
		variants = append(variants, variant{name: "without " + w.name, opts: recommend.Options{Weights: w.w}})
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%d playlists, embedded catalog (%d tracks)\n\n| variant | hit@10 | recall@10 | R-precision | playlist genre |\n|---|---|---|---|---|\n", len(lists), cat.Len())
	var base eval.Metrics
	for i, v := range variants {
		e := recommend.New(cat, v.opts)
		require.NoError(t, e.Err())
		if v.off != nil {
			v.off(e)
		}
		mt := run(eval.Engine(e))
		if i == 0 {
			base = mt
		} else if !strings.Contains(v.name, "region penalty") {
			// The region penalty acts only against an anchor's region, and
			// the playlist task has none: that switch cannot change it.
			assert.NotEqual(t, [3]float64{base.HitRate, base.Recall, base.RPrecision}, [3]float64{mt.HitRate, mt.Recall, mt.RPrecision},
				"%s changes nothing", v.name)
		}
		fmt.Fprintf(&table, "| %s | %.3f (%+.3f) | %.3f | %.3f | %.3f |\n", v.name, mt.HitRate, mt.HitRate-base.HitRate, mt.Recall, mt.RPrecision, mt.PlaylistGenre)
	}
	t.Log("\n" + table.String())
}
