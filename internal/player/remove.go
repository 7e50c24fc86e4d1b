package player

import (
	"context"
	"slices"

	"github.com/continuo/continuo/internal/mpvipc"
)

// Remover is implemented by the enqueuers that can take tracks back out of
// the player's queue before they play: "tracklist" (TrackList.RemoveTrack),
// "mpv-ipc" (playlist-remove) and "mpd" (deleteid). "openuri" has no queue
// to take from, so it is no Remover.
//
// Entries are found by URI in the player's own list after its current
// entry, not by handles kept at Enqueue: the player's list is the truth
// (the driver may have skipped or reordered), and the current track is
// never touched.
type Remover interface {
	// RemoveUpcoming removes the entries after the current one that play
	// one of uris and returns the URIs it removed, also when it fails
	// part way (the caller's view of the queue follows what was done).
	RemoveUpcoming(ctx context.Context, uris []string) ([]string, error)
}

// RemoveUpcoming implements Remover with TrackList.GetTracksMetadata and
// RemoveTrack. When the last track Enqueue added goes, the next Enqueue
// goes where the last removed one was (after the entry before it), so
// that tracks queued in place of the removed ones follow those kept.
func (t *TrackList) RemoveUpcoming(ctx context.Context, uris []string) ([]string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ids, err := t.c.Tracks(ctx, t.name)
	if err != nil {
		return nil, errf(MechTrackList, "remove", err)
	}
	prev := "" // the entry before the one at hand
	if st, ok := t.c.Player(t.name); ok {
		if i := slices.Index(ids, st.Track.TrackID); i >= 0 {
			prev, ids = ids[i], ids[i+1:]
		}
	}
	metas, err := t.c.TracksMetadata(ctx, t.name, ids)
	if err != nil {
		return nil, errf(MechTrackList, "remove", err)
	}
	var removed []string
	for _, m := range metas {
		if !slices.Contains(uris, m.URL) {
			prev = m.TrackID
			continue
		}
		if err := t.c.RemoveTrack(ctx, t.name, m.TrackID); err != nil {
			return removed, errf(MechTrackList, "remove", err)
		}
		removed = append(removed, m.URL)
		if m.TrackID == t.lastAdded {
			t.lastAdded = prev
		}
	}
	return removed, nil
}

// RemoveUpcoming implements Remover with mpv's playlist-remove, from the
// end so the indexes of the entries still to remove hold.
func (m *MPV) RemoveUpcoming(ctx context.Context, uris []string) ([]string, error) {
	paths := make(map[string]string, len(uris)) // path as loaded -> URI
	for _, u := range uris {
		if p, err := localPath(u); err == nil {
			paths[p] = u
		}
	}
	list, err := m.ipc.Playlist(ctx)
	if err != nil {
		return nil, errf(MechMPVIPC, "remove", err)
	}
	first := slices.IndexFunc(list, func(e mpvipc.Entry) bool { return e.Current }) + 1
	var removed []string
	for i := len(list) - 1; i >= first; i-- {
		u, ok := paths[list[i].Filename]
		if !ok {
			continue
		}
		if err := m.ipc.PlaylistRemove(ctx, i); err != nil {
			return removed, errf(MechMPVIPC, "remove", err)
		}
		removed = append(removed, u)
	}
	return removed, nil
}

// RemoveUpcoming implements Remover with MPD's deleteid on the songs after
// the current one.
func (m *MPD) RemoveUpcoming(ctx context.Context, uris []string) ([]string, error) {
	files := make(map[string]string, len(uris)) // path in MPD's database -> URI
	for _, u := range uris {
		if rel, err := mpdPath(u, m.musicDir); err == nil {
			files[rel] = u
		}
	}
	status, err := m.c.Status(ctx)
	if err != nil {
		return nil, errf(MechMPD, "remove", err)
	}
	songs, err := m.c.PlaylistInfo(ctx)
	if err != nil {
		return nil, errf(MechMPD, "remove", err)
	}
	var removed []string
	for _, s := range songs {
		u, ok := files[s.File]
		if !ok || s.Pos <= status.Song || s.ID == status.SongID {
			continue
		}
		if err := m.c.DeleteID(ctx, s.ID); err != nil {
			return removed, errf(MechMPD, "remove", err)
		}
		removed = append(removed, u)
	}
	return removed, nil
}

// The three mechanisms with a queue can take tracks back out of it.
var (
	_ Remover = (*TrackList)(nil)
	_ Remover = (*MPV)(nil)
	_ Remover = (*MPD)(nil)
)
