// Package player owns how Continuo puts a track into a player's queue. MPRIS
// alone cannot queue into the real players (mpv-mpris and mpDris2 have no
// TrackList), so each player gets the best mechanism it supports, in this
// order:
//
//  1. "tracklist": MPRIS TrackList.AddTrack, when the player has a TrackList
//     it lets us edit;
//  2. "mpv-ipc": mpv's JSON IPC, when a socket is configured for the player;
//  3. "mpd": the MPD protocol, when an address is configured for the player;
//  4. "openuri": Player.OpenUri. This is lossy: it replaces what plays, so
//     Enqueue must be called only when the current track ends (the caller
//     watches for that), and there is a gap between tracks.
//
// The first three can also take tracks back out of the queue (Remover);
// OpenUri cannot.
package player

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/mpris"
	"github.com/continuo/continuo/internal/music"
)

// Mechanism names, as Enqueuer.Mechanism reports them.
const (
	MechTrackList = "tracklist"
	MechMPVIPC    = "mpv-ipc"
	MechMPD       = "mpd"
	MechOpenURI   = "openuri"
)

// Enqueuer puts tracks into one player.
type Enqueuer interface {
	// Mechanism is one of "tracklist", "mpv-ipc", "mpd", "openuri".
	Mechanism() string
	// PlayNow starts this track now.
	PlayNow(ctx context.Context, uri string) error
	// Enqueue appends uri after what is queued, without interrupting the
	// current track. For a Lossy enqueuer it plays uri at once instead, so
	// the caller calls it only when the current track has ended.
	Enqueue(ctx context.Context, uri string) error
	// Lossy is true for "openuri": there is no queue, only "play now".
	Lossy() bool
}

// Config says which side channels exist, keyed by player name: the short
// name ("mpv", "mpd", "vlc.instance12") or the full bus name.
type Config struct {
	MPVSocket   map[string]string // mpv --input-ipc-server path
	MPDAddr     map[string]string // "host:port" or a unix socket path
	MPDMusicDir map[string]string // MPD's music_directory, to map file:// URIs to its relative paths
	MPDPassword map[string]string // sent with MPD's "password" command after connecting, if set
}

// lookup finds a player's entry by short or full name.
func lookup(m map[string]string, name string) string {
	if v, ok := m[mpris.ShortName(name)]; ok {
		return v
	}
	return m[mpris.FullName(name)]
}

// Closer is implemented by enqueuers that hold a connection (mpv-ipc, mpd).
// The caller closes an enqueuer it no longer uses, e.g. when the active
// player changes.
type Closer interface {
	Close() error
}

// Choose returns the best enqueuer for the player st (see the package doc
// for the order). c performs the MPRIS calls (tracklist and openuri).
func Choose(c *mpris.Client, st mpris.PlayerState, cfg Config, log zerolog.Logger) Enqueuer {
	log = log.With().Str("component", "player").Str("player", st.Short()).Logger()
	var e Enqueuer
	switch {
	case st.HasTrackList && st.CanEditTracks:
		e = NewTrackList(c, st.Name)
	case lookup(cfg.MPVSocket, st.Name) != "":
		e = NewMPV(lookup(cfg.MPVSocket, st.Name))
	case lookup(cfg.MPDAddr, st.Name) != "":
		e = NewMPDWithPassword(lookup(cfg.MPDAddr, st.Name), lookup(cfg.MPDMusicDir, st.Name), lookup(cfg.MPDPassword, st.Name))
	default:
		e = NewOpenURI(c, st.Name)
	}
	log.Info().Str("mechanism", e.Mechanism()).Bool("lossy", e.Lossy()).Msg("enqueue mechanism chosen")
	return e
}

// localPath turns a file:// URI into a path; other URIs (http://, or a
// plain path) are returned unchanged.
func localPath(uri string) (string, error) {
	if !strings.HasPrefix(uri, "file:") {
		return uri, nil
	}
	u, err := url.Parse(uri)
	if err != nil {
		return "", music.WrapKind(music.KindInvalid, err, "bad file URI")
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", music.Errorf(music.KindInvalid, "file URI on another host %q", u.Host)
	}
	if u.Path == "" || !filepath.IsAbs(u.Path) {
		return "", music.Errorf(music.KindInvalid, "file URI without an absolute path")
	}
	return filepath.Clean(u.Path), nil
}

// mpdPath maps a catalog URI to what MPD's addid expects: a file:// URI
// under the music directory becomes the path relative to it; other URIs
// (http://) pass through.
func mpdPath(uri, musicDir string) (string, error) {
	if !strings.HasPrefix(uri, "file:") {
		return uri, nil
	}
	p, err := localPath(uri)
	if err != nil {
		return "", err
	}
	if musicDir == "" {
		return "", music.Errorf(music.KindInvalid, "mpd: no music directory configured to map file URIs")
	}
	rel, err := filepath.Rel(filepath.Clean(musicDir), p)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", music.Errorf(music.KindInvalid, "mpd: file is outside the music directory")
	}
	return filepath.ToSlash(rel), nil
}

// errf wraps an error with the mechanism's name.
func errf(mech, op string, err error) error {
	return fmt.Errorf("%s %s: %w", mech, op, err)
}
