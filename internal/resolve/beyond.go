package resolve

import (
	"fmt"
	"strings"

	"github.com/continuo/continuo/internal/request"
)

// confBeyond is the confidence of a reading for an artist the catalog has
// no tracks of but whose genres are known: enough to play (the driver named
// the artist, and the music is of their genres), below any reading the
// catalog itself is sure of.
const confBeyond = 0.6

// minBeyondRows: the genre a beyond-catalog reading is named after has at
// least this many catalog tracks, so that "playing X like theirs" names a
// genre the drive can stay in; rarer tags still steer the music.
const minBeyondRows = 20

// beyondCatalog is the reading for an artist the request names whom the
// catalog has no tracks of but the artist table knows with genre tags the
// catalog has: music of those genres, said as such. ok is false when the
// request names no such artist. The names tried are the parser's artist
// slot and the whole request without commands and fillers ("paul
// landers", "songs by paul landers").
func (ix *Index) beyondCatalog(artistSlot string, content []string) (Candidate, bool) {
	table, err := DefaultArtistTags()
	if err != nil {
		return Candidate{}, false
	}
	for _, name := range []string{artistSlot, strings.Join(artistWords(content), " ")} {
		if name == "" || ix.hasArtist(name) {
			continue
		}
		display, tags, ok := table.Lookup(name)
		if !ok {
			continue
		}
		if c, ok := ix.genresOf(tags); ok {
			c.Like = display
			return c, true
		}
	}
	return Candidate{}, false
}

// catalogArtist is the catalog artist named exactly name with at least one
// track credited to them, as primary or featured artist ("Loretta Lynn"
// only on a duet is still in the catalog).
func (ix *Index) catalogArtist(name string) (int32, bool) {
	id, ok := ix.artists.find(Normalize(name))
	if !ok || len(ix.artists.artistRows(id)) == 0 {
		return -1, false
	}
	return id, true
}

// hasArtist tells whether the catalog has tracks credited to name.
func (ix *Index) hasArtist(name string) bool {
	_, ok := ix.catalogArtist(name)
	return ok
}

// genresOf is a genre reading for the tags the catalog knows: all of them
// steer the music (Genres), and the most specific one with at least
// minBeyondRows tracks names it (else the most common).
func (ix *Index) genresOf(tags []string) (Candidate, bool) {
	var known []*genreEntry
	for _, t := range tags {
		if g := ix.genres[Normalize(t)]; g != nil && g.count > 0 {
			known = append(known, g)
		}
	}
	if len(known) == 0 {
		return Candidate{}, false
	}
	name := known[0]
	for _, g := range known[1:] {
		switch {
		case name.count < minBeyondRows && g.count > name.count:
			name = g
		case g.count >= minBeyondRows && g.count < name.count:
			name = g
		}
	}
	c := Candidate{Kind: KindGenre, Row: -1, Rows: toInts(name.rows), Genre: name.name, Label: name.name, Confidence: confBeyond}
	for _, g := range known {
		c.Genres = append(c.Genres, g.name)
	}
	return c, true
}

// Understood says what the parser read in a request, for a refusal:
// `artist "Zxqv Blorp" (not in the catalog, genres unknown), track "Baz"`;
// "" when it found no music named. It never panics.
func (ix *Index) Understood(query string) string {
	if len(query) > maxQueryRaw {
		query = query[:maxQueryRaw]
	}
	s, err := request.Parse(query)
	if err != nil {
		return ""
	}
	table, _ := DefaultArtistTags()
	var parts []string
	for _, sp := range s.Spans {
		switch sp.Slot {
		case request.SlotArtist, request.SlotTrack, request.SlotAlbum, request.SlotGenre, request.SlotPlaylist:
		default:
			continue
		}
		part := fmt.Sprintf("%s %q", strings.ReplaceAll(sp.Slot, "_", " "), sp.Text)
		if sp.Slot == request.SlotArtist && !ix.hasArtist(sp.Text) {
			part += " (" + ix.beyondNote(table, sp.Text) + ")"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}

// beyondNote says what is known of an artist the catalog has no tracks of.
func (ix *Index) beyondNote(table *ArtistTags, name string) string {
	_, tags, known := table.Lookup(name)
	switch _, playable := ix.genresOf(tags); {
	case !known:
		return "not in the catalog, genres unknown"
	case playable:
		return "not in the catalog; their genres are"
	}
	return "not in the catalog; none of their genres is either"
}
