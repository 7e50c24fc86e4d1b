package recommend

import "github.com/continuo/continuo/internal/music"

// STUB owned by the engine branch (issue 10 items 3-8), added by the request
// branch only so that the drive compiles against the agreed interface: the
// engine branch replaces this file (and the Request.Anchor field) with the
// real anchor. The stub changes no ranking.

// Anchor is what a Play request asked for; it persists for the whole drive.
type Anchor struct {
	Kind   string   // same strings as resolve.Kind; "" = no anchor
	Rows   []int    // rows standing for the anchor (the asked track; an artist's top tracks...)
	Artist int32    // catalog artist index for kind artist, -1 otherwise
	Genres []string // genre labels/tags for kind genre
	Mood   string   // calm/steady/lively for kind mood
	Label  string   // used in reasons
}

// Start picks the first track for an anchor: here simply the best
// continuation of the anchor's rows (or, without rows, of the request's
// session, taste or cold start), steered to the anchor's mood.
func (e *Engine) Start(a *Anchor, req Request) (Pick, error) {
	req.N = 1
	if a != nil {
		req.Seeds = append(req.Seeds[:0:0], a.Rows...)
		if a.Mood != "" {
			req.Mood = a.Mood
		}
	}
	picks, err := e.Recommend(req)
	if err != nil {
		return Pick{}, err
	}
	if len(picks) == 0 {
		return Pick{}, music.Errorf(music.KindNotFound, "recommend: no track fits the request")
	}
	return picks[0], nil
}

// Explicit reports whether a row is known to be explicit.
func (e *Engine) Explicit(row int) bool {
	return row >= 0 && row < len(e.explicit) && e.explicit[row]
}
