package drive

import (
	"context"
	"fmt"
	"strings"

	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/resolve"
)

// maxSuggestions is how many readings a refused Play names.
const maxSuggestions = 3

func checkQuery(q string) error {
	if len(q) == 0 {
		return music.Errorf(music.KindInvalid, "query is empty")
	}
	if len(q) > 500 {
		return music.Errorf(music.KindInvalid, "query is longer than 500 bytes")
	}
	return nil
}

// refusal is the message of a refused Play: what the request was read as
// (so that a driver hears "artist Zxqv Blorp, not in the catalog" rather
// than a bare "not found"), then the best readings.
func (c *Core) refusal(query string, cands []resolve.Candidate) string {
	msg := c.suggest(cands)
	if u := c.m().Index.Understood(query); u != "" {
		msg = "understood " + u + "; " + msg
	}
	return msg
}

// suggest lists the best readings of a refused Play: short, no guess
// played.
func (c *Core) suggest(cands []resolve.Candidate) string {
	var s []string
	for _, cand := range cands {
		if len(s) == maxSuggestions {
			break
		}
		if d := c.describe(cand); d != "" {
			s = append(s, d)
		}
	}
	if len(s) == 0 {
		return "nothing in the catalog matches the request"
	}
	return "no confident match for the request; did you mean: " + strings.Join(s, "; ") + "?"
}

// describe names a reading for a driver: "Jolene by Dolly Parton", "Bob
// Marley & The Wailers", "jazz".
func (c *Core) describe(cand resolve.Candidate) string {
	if cand.Kind == resolve.KindTrack && cand.Row >= 0 {
		cat := c.m().Catalog
		if a := cat.PrimaryArtist(cand.Row); a != "" {
			return cat.Title(cand.Row) + " by " + a
		}
		return cat.Title(cand.Row)
	}
	return cand.Label
}

// requestView is the view of the row chosen for a reading of a request.
func (c *Core) requestView(row int, cand resolve.Candidate) TrackView {
	v := c.view(row)
	v.Match, v.Confidence = string(cand.Kind), cand.Confidence
	v.Score = cand.Confidence
	v.Reason = requestReason(cand)
	return v
}

// requestReason says which reading of the request a track answers.
func requestReason(cand resolve.Candidate) string {
	if cand.Like != "" {
		return "no " + cand.Like + " here; playing " + cand.Label + " like theirs"
	}
	switch cand.Kind {
	case resolve.KindArtist:
		return "by " + cand.Label + ", as asked"
	case resolve.KindAlbum:
		return "from " + cand.Label + ", as asked"
	case resolve.KindGenre:
		return cand.Label + ", as asked"
	case resolve.KindMood:
		return cand.Label + ", as asked"
	case resolve.KindContinue:
		return "continues your music"
	}
	return "you asked for it"
}

// anchorOf turns a reading into the drive's anchor. row is the track Play
// starts for it (-1 when not chosen yet).
func anchorOf(m *Model, cand resolve.Candidate, row int) *recommend.Anchor {
	a := &recommend.Anchor{Kind: string(cand.Kind), Rows: cand.Rows, Artist: -1, Mood: cand.Mood, Label: cand.Label}
	switch {
	case len(cand.Genres) > 0: // an artist beyond the catalog: all their genres steer
		a.Genres = cand.Genres
	case cand.Genre != "":
		a.Genres = []string{cand.Genre}
	}
	if cand.Kind == resolve.KindTrack && row >= 0 {
		a.Rows = []int{row}
	}
	if cand.Kind == resolve.KindArtist && cand.Row >= 0 {
		if resolve.Normalize(m.Catalog.PrimaryArtist(cand.Row)) == cand.Artist {
			a.Artist = m.Catalog.Artist[cand.Row]
		}
	}
	return a
}

// playRequest starts the track that answers a reading of a request and
// makes the reading the drive's anchor.
func (st *state) playRequest(ctx context.Context, cand resolve.Candidate) (TrackView, error) {
	if st.enq == nil {
		return TrackView{}, music.Errorf(music.KindNoPlayer, "no MPRIS player is running")
	}
	m := st.c.m()
	anchor := st.anchor // "play music" keeps the drive's anchor
	if cand.Kind != resolve.KindContinue {
		anchor = anchorOf(m, cand, cand.Row)
	}
	row, err := st.firstRow(ctx, m, cand, anchor)
	if err != nil {
		return TrackView{}, err
	}
	switch {
	case cand.Kind == resolve.KindTrack:
		anchor.Rows = []int{row} // a clean version stands for the request
	case anchor != nil && len(anchor.Rows) == 0:
		// A genre or mood drive is centred on the track it started with.
		anchor.Rows = []int{row}
	}
	if _, err := st.play(ctx, row); err != nil {
		return TrackView{}, err
	}
	st.anchor = anchor
	st.c.log.Info().Str("match", string(cand.Kind)).Float64("confidence", cand.Confidence).Msg("request played")
	v := st.c.requestView(row, cand)
	st.recordReason(v.ID, v.Reason)
	return v, nil
}

// firstRow is the track to start for a reading: Engine.Start, the same
// choice the offline evaluation (eval --drives) measures — the asked track
// (a clean version of it in kids mode), a representative track of the
// artist or album, or for a genre, a mood or "continue" the engine's start.
func (st *state) firstRow(ctx context.Context, m *Model, cand resolve.Candidate, anchor *recommend.Anchor) (int, error) {
	req, err := st.request(ctx, "", 1, RecommendOptions{})
	if err != nil {
		return -1, err
	}
	p, err := m.Engine.Start(anchor, req)
	if err != nil {
		if music.KindOf(err) == music.KindNotFound && !st.explicit {
			return -1, music.WrapKind(music.KindNotFound, err, "explicit tracks are off")
		}
		return -1, fmt.Errorf("start %s: %w", cand.Kind, err)
	}
	if m.Catalog.URI(p.Row) == "" {
		return -1, music.Errorf(music.KindNotFound, "the chosen track has no playable URI (set catalog.uri_template)")
	}
	return p.Row, nil
}
