package resolve

import (
	"strings"

	"github.com/continuo/continuo/internal/request"
)

// Confidence of a track whose title and artist the parser found in the
// request and the catalog has exactly ("Femme Fatale by Bonobo").
const confParsedExact = 0.97

// confParsedArtist is the confidence of an artist the parser found by the
// sentence's structure ("a tune by Sonny Stitt", "Martha My Dear by
// Shannon") and the catalog has under exactly that name, when the rest of
// the request found nothing surer by that artist: the catalog may lack the
// title asked for, but the artist is what the driver named.
const confParsedArtist = 0.7

// parsed is what the slot parser made of a request.
type parsed struct {
	query  string // the request without the words that name no music
	exact  int    // the row of the title and artist named, or -1
	artist int32  // the catalog artist named in an artist slot, or -1
}

// servicePrepositions introduce a streaming service ("on Spotify", "off of
// iTunes", "using Deezer"); they go with it.
var servicePrepositions = map[string]bool{
	"on": true, "using": true, "via": true, "with": true, "in": true, "from": true, "off": true, "of": true,
	"open": true, "and": true,
}

// parsedRequest reads the request's structure with the slot parser: the
// request without the words that name no music, the catalog row of the
// track when the parser found a title and an artist the catalog has
// exactly, and the catalog artist of the artist slot.
//
// The words dropped: the service ("play Femme Fatale by Bonobo on
// Spotify": the service must never become part of a title) and, when the
// request also names music, the sort and the year ("the newest song by
// Imogen Heap"): the catalog knows neither release dates nor charts, and
// those words would otherwise be searched as title words. A request whose
// parse drops nothing is returned as it was, so that requests without
// structure ("kendrick lamar humble") read exactly as before.
func (ix *Index) parsedRequest(query string) parsed {
	p := parsed{query: query, exact: -1, artist: -1}
	if strings.TrimSpace(query) == "" {
		return p
	}
	s, err := request.Parse(query)
	if err != nil || len(s.Spans) == 0 {
		return p
	}
	if s.Artist != "" {
		if id, ok := ix.artists.find(Normalize(s.Artist)); ok && ix.artists.count[id] > 0 && structured(s) {
			p.artist = id
		}
		if row, ok := ix.Exact(s.Artist, s.Track); ok && s.Track != "" {
			p.exact = row
			return p
		}
	}
	p.query = ix.withoutNonMusic(s)
	if p.query == "" {
		p.query = query
	}
	return p
}

// artistCues mark a name as an artist's by the words around it: "by X",
// "from X", "the artist X", "X's".
var artistCues = map[string]bool{"by": true, "from": true, "artist": true, "'s": true, "’s": true}

// structured tells whether the artist slot rests on the sentence's
// structure rather than on one guess: another slot or a cue word next to
// it. A bare "humble" tagged artist must not turn a title into a band.
func structured(s request.Slots) bool {
	if len(s.Spans) > 1 {
		return true
	}
	for _, sp := range s.Spans {
		if sp.Slot != request.SlotArtist {
			continue
		}
		before, after := "", ""
		if sp.Start > 0 {
			before = strings.ToLower(s.Tokens[sp.Start-1])
		}
		if sp.End < len(s.Tokens) {
			after = strings.ToLower(s.Tokens[sp.End])
		}
		return artistCues[before] || artistCues[after]
	}
	return false
}

// withoutNonMusic is the request without its service, and without its
// sort and year when it names music; "" when nothing is dropped.
func (ix *Index) withoutNonMusic(s request.Slots) string {
	namesMusic := false
	for _, sp := range s.Spans {
		switch sp.Slot {
		case request.SlotArtist, request.SlotTrack, request.SlotAlbum, request.SlotGenre, request.SlotPlaylist:
			namesMusic = true
		}
	}
	drop := make([]bool, len(s.Tokens))
	dropped := false
	for _, sp := range s.Spans {
		switch {
		case sp.Slot == request.SlotService:
			for i := sp.Start - 1; i >= 0 && servicePrepositions[strings.ToLower(s.Tokens[i])]; i-- {
				drop[i] = true
			}
		case namesMusic && (sp.Slot == request.SlotSort || sp.Slot == request.SlotYear):
		default:
			continue
		}
		for i := sp.Start; i < sp.End; i++ {
			drop[i] = true
		}
		dropped = true
	}
	if !dropped {
		return ""
	}
	kept := make([]string, 0, len(s.Tokens))
	for i, tok := range s.Tokens {
		if !drop[i] {
			kept = append(kept, tok)
		}
	}
	return strings.Join(kept, " ")
}

// preferParsedArtist puts the artist of the artist slot first unless the
// best reading is by that artist and sure enough to play ("Bohemian
// Rhapsody by Queen" found the remastered title): a request for "a tune by
// Bonobo" is a request for the artist, not for one track found by chance.
func (ix *Index) preferParsedArtist(out []Candidate, id int32) []Candidate {
	if id < 0 {
		return out
	}
	if len(out) > 0 && out[0].Artist == Normalize(ix.artists.names[id]) && out[0].Confidence >= PlayConfidence {
		return out
	}
	c := ix.artistCandidate(artistMatch{id: id, full: true})
	c.Confidence = confParsedArtist
	return append([]Candidate{c}, out...)
}

func (ix *Index) exactCandidate(row int) Candidate {
	c := ix.trackCandidate(Match{Row: row, Score: 1, Coverage: 1})
	c.Confidence = confParsedExact
	return c
}
