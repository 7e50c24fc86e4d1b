package player

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/continuo/continuo/internal/mpd"
	"github.com/continuo/continuo/internal/mpris"
	"github.com/continuo/continuo/internal/mpvipc"
	"github.com/continuo/continuo/internal/music"
)

// TrackList enqueues with MPRIS TrackList.AddTrack.
type TrackList struct {
	c    *mpris.Client
	name string

	mu        sync.Mutex
	lastAdded string // trackid of the last track we added, "" when unknown
}

// NewTrackList returns the "tracklist" enqueuer for a player.
func NewTrackList(c *mpris.Client, player string) *TrackList {
	return &TrackList{c: c, name: player}
}

func (t *TrackList) Mechanism() string { return MechTrackList }
func (t *TrackList) Lossy() bool       { return false }

// PlayNow inserts uri after the current track and makes it current.
func (t *TrackList) PlayNow(ctx context.Context, uri string) error {
	st, _ := t.c.Player(t.name)
	if err := t.c.AddTrack(ctx, t.name, uri, st.Track.TrackID, true); err != nil {
		return errf(MechTrackList, "play", err)
	}
	t.mu.Lock()
	t.lastAdded = ""
	t.mu.Unlock()
	return nil
}

// Enqueue inserts uri after the last track it added that is still in the
// list, else after the current track, so successive Enqueues keep their
// order. The new trackid is learned by diffing Tracks before and after.
func (t *TrackList) Enqueue(ctx context.Context, uri string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	before, err := t.c.Tracks(ctx, t.name)
	if err != nil {
		return errf(MechTrackList, "enqueue", err)
	}
	after := ""
	if t.lastAdded != "" && slices.Contains(before, t.lastAdded) {
		after = t.lastAdded
	} else if st, ok := t.c.Player(t.name); ok && slices.Contains(before, st.Track.TrackID) {
		after = st.Track.TrackID
	} else if len(before) > 0 {
		after = before[len(before)-1]
	}
	if err := t.c.AddTrack(ctx, t.name, uri, after, false); err != nil {
		return errf(MechTrackList, "enqueue", err)
	}
	t.lastAdded = t.findAdded(ctx, before)
	return nil
}

// findAdded waits briefly for the player to list the new track (AddTrack may
// return before Tracks changes) and returns its id, or "" if it cannot tell.
func (t *TrackList) findAdded(ctx context.Context, before []string) string {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	for delay := 5 * time.Millisecond; ; delay *= 2 {
		now, err := t.c.Tracks(ctx, t.name)
		if err == nil {
			for _, id := range now {
				if !slices.Contains(before, id) {
					return id
				}
			}
		}
		select {
		case <-ctx.Done():
			return ""
		case <-time.After(delay):
		}
	}
}

// MPV enqueues through mpv's JSON IPC.
type MPV struct {
	ipc *mpvipc.Client
}

// NewMPV returns the "mpv-ipc" enqueuer for the socket at path.
func NewMPV(socket string) *MPV {
	return &MPV{ipc: mpvipc.New(socket, 0)}
}

func (m *MPV) Mechanism() string { return MechMPVIPC }
func (m *MPV) Lossy() bool       { return false }
func (m *MPV) Close() error      { return m.ipc.Close() }

// PlayNow replaces the current file (loadfile ... replace).
func (m *MPV) PlayNow(ctx context.Context, uri string) error {
	p, err := localPath(uri)
	if err != nil {
		return errf(MechMPVIPC, "play", err)
	}
	if err := m.ipc.LoadFile(ctx, p, mpvipc.Replace); err != nil {
		return errf(MechMPVIPC, "play", err)
	}
	return nil
}

// Enqueue appends to mpv's playlist ("loadfile PATH append"). The current
// file is not touched, and an idle or stopped mpv stays so (as with MPD):
// a driver who pressed Stop does not get music back from a refill; PlayNow
// is the way to start.
func (m *MPV) Enqueue(ctx context.Context, uri string) error {
	p, err := localPath(uri)
	if err != nil {
		return errf(MechMPVIPC, "enqueue", err)
	}
	if err := m.ipc.LoadFile(ctx, p, mpvipc.Append); err != nil {
		return errf(MechMPVIPC, "enqueue", err)
	}
	return nil
}

// MPD enqueues through the MPD protocol.
type MPD struct {
	c        *mpd.Client
	musicDir string
}

// NewMPD returns the "mpd" enqueuer for an MPD at addr whose music
// directory is musicDir (used to map file:// URIs).
func NewMPD(addr, musicDir string) *MPD { return NewMPDWithPassword(addr, musicDir, "") }

// NewMPDWithPassword is NewMPD for an MPD that requires a password.
func NewMPDWithPassword(addr, musicDir, password string) *MPD {
	return &MPD{c: mpd.New(addr, mpd.Options{Password: password}), musicDir: musicDir}
}

func (m *MPD) Mechanism() string { return MechMPD }
func (m *MPD) Lossy() bool       { return false }
func (m *MPD) Close() error      { return m.c.Close() }

// PlayNow adds uri to the end of the queue and plays it (addid + playid).
func (m *MPD) PlayNow(ctx context.Context, uri string) error {
	rel, err := mpdPath(uri, m.musicDir)
	if err != nil {
		return errf(MechMPD, "play", err)
	}
	id, err := m.c.AddID(ctx, rel, -1)
	if err != nil {
		return errf(MechMPD, "play", classifyMPD(err))
	}
	if err := m.c.PlayID(ctx, id); err != nil {
		return errf(MechMPD, "play", err)
	}
	return nil
}

// Enqueue appends uri to the queue (addid). The current song is not
// touched; if MPD is stopped it stays stopped, as MPD users expect.
func (m *MPD) Enqueue(ctx context.Context, uri string) error {
	rel, err := mpdPath(uri, m.musicDir)
	if err != nil {
		return errf(MechMPD, "enqueue", err)
	}
	if _, err := m.c.AddID(ctx, rel, -1); err != nil {
		return errf(MechMPD, "enqueue", classifyMPD(err))
	}
	return nil
}

// classifyMPD gives "no such file" its Kind: the catalog and MPD's database
// disagree, which the caller reports rather than retries.
func classifyMPD(err error) error {
	var ack *mpd.AckError
	if errors.As(err, &ack) && ack.Code == mpd.AckNoExist {
		return music.WrapKind(music.KindNotFound, err, "mpd does not know this file (database not updated?)")
	}
	return err
}

// OpenURI "enqueues" with Player.OpenUri: lossy, see Enqueuer.
type OpenURI struct {
	c    *mpris.Client
	name string
}

// NewOpenURI returns the "openuri" enqueuer for a player.
func NewOpenURI(c *mpris.Client, player string) *OpenURI {
	return &OpenURI{c: c, name: player}
}

func (o *OpenURI) Mechanism() string { return MechOpenURI }
func (o *OpenURI) Lossy() bool       { return true }

// PlayNow opens uri at once.
func (o *OpenURI) PlayNow(ctx context.Context, uri string) error {
	if err := o.c.OpenUri(ctx, o.name, uri); err != nil {
		return errf(MechOpenURI, "play", err)
	}
	return nil
}

// Enqueue also opens uri at once (OpenUri has no queue; mpv-mpris even wipes
// its playlist): call it only when the current track has ended.
func (o *OpenURI) Enqueue(ctx context.Context, uri string) error {
	if err := o.c.OpenUri(ctx, o.name, uri); err != nil {
		return errf(MechOpenURI, "enqueue", err)
	}
	return nil
}

// The four mechanisms are Enqueuers; the two with connections are Closers.
var (
	_ Enqueuer = (*TrackList)(nil)
	_ Enqueuer = (*MPV)(nil)
	_ Enqueuer = (*MPD)(nil)
	_ Enqueuer = (*OpenURI)(nil)
	_ Closer   = (*MPV)(nil)
	_ Closer   = (*MPD)(nil)
)
