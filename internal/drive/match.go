package drive

import (
	"path"
	"strings"

	"github.com/continuo/continuo/internal/mpris"
	"github.com/continuo/continuo/internal/music"
)

// match maps what a player reports to a catalog row: by URL, by a catalog id
// in the URL's or trackid's last path element (file:///music/<id>.ogg,
// emu:///<id>), else by normalised artist and title. -1 when none fits: the
// play still counts, through its genre strings.
func (c *Core) match(m mpris.TrackMeta) int {
	cat := c.m().Catalog
	if m.URL != "" {
		if row, ok := cat.LookupURI(m.URL); ok {
			return row
		}
	}
	for _, s := range []string{m.URL, m.TrackID} {
		if s == "" {
			continue
		}
		base := path.Base(s)
		if i := strings.IndexByte(base, '.'); i > 0 {
			base = base[:i]
		}
		if row, ok := cat.Lookup(music.TrackID(base)); ok {
			return row
		}
	}
	if m.Title != "" && len(m.Artists) > 0 {
		if row, ok := c.m().Index.Exact(m.Artists[0], m.Title); ok {
			return row
		}
	}
	return -1
}
