package drive

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// dropQueued keeps the head and every entry the player did not remove,
// counting a URI queued twice once per removal.
func TestDropQueued(t *testing.T) {
	q := func(uris ...string) []queuedTrack {
		out := make([]queuedTrack, len(uris))
		for i, u := range uris {
			out[i] = queuedTrack{row: i, uri: u}
		}
		return out
	}
	uris := func(q []queuedTrack) []string {
		out := []string{}
		for _, t := range q {
			out = append(out, t.uri)
		}
		return out
	}
	cases := []struct {
		name    string
		queue   []queuedTrack
		from    int
		removed []string
		want    []string
	}{
		{"nothing removed", q("a", "b", "c"), 1, nil, []string{"a", "b", "c"}},
		{"all after the head", q("a", "b", "c"), 1, []string{"c", "b"}, []string{"a"}},
		{"the head is never dropped", q("a", "b", "a"), 1, []string{"a"}, []string{"a", "b"}},
		{"one removal drops one of two", q("a", "b", "b"), 0, []string{"b"}, []string{"a", "b"}},
		{"part way", q("a", "b", "c"), 0, []string{"c"}, []string{"a", "b"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, uris(dropQueued(tc.queue, tc.from, tc.removed)))
		})
	}
}
