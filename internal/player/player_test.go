package player

import (
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/mpris"
	"github.com/continuo/continuo/internal/music"
)

func TestChooseMechanism(t *testing.T) {
	cfg := Config{
		MPVSocket:   map[string]string{"mpv": "/run/mpv.sock"},
		MPDAddr:     map[string]string{"org.mpris.MediaPlayer2.mpd": "127.0.0.1:6600"},
		MPDMusicDir: map[string]string{"mpd": "/media/music"},
	}
	tests := []struct {
		name  string
		st    mpris.PlayerState
		want  string
		lossy bool
	}{
		{"tracklist wins", mpris.PlayerState{Name: "org.mpris.MediaPlayer2.mpv", HasTrackList: true, CanEditTracks: true}, MechTrackList, false},
		{"read-only tracklist is not enough", mpris.PlayerState{Name: "org.mpris.MediaPlayer2.mpv", HasTrackList: true}, MechMPVIPC, false},
		{"mpv socket by short name", mpris.PlayerState{Name: "org.mpris.MediaPlayer2.mpv"}, MechMPVIPC, false},
		{"mpd address by full name", mpris.PlayerState{Name: "org.mpris.MediaPlayer2.mpd"}, MechMPD, false},
		{"otherwise openuri", mpris.PlayerState{Name: "org.mpris.MediaPlayer2.vlc"}, MechOpenURI, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Choose(nil, tt.st, cfg, zerolog.Nop())
			assert.Equal(t, tt.want, e.Mechanism())
			assert.Equal(t, tt.lossy, e.Lossy())
			if c, ok := e.(Closer); ok {
				require.NoError(t, c.Close())
			}
		})
	}
}

func TestMPDPath(t *testing.T) {
	tests := []struct {
		name, uri, dir, want string
		kind                 music.Kind
	}{
		{"under music dir", "file:///media/music/Tchaikovsky/Sc%C3%A8ne.ogg", "/media/music", "Tchaikovsky/Scène.ogg", 0},
		{"trailing slash on dir", "file:///media/music/a.ogg", "/media/music/", "a.ogg", 0},
		{"localhost host", "file://localhost/media/music/a.ogg", "/media/music", "a.ogg", 0},
		{"http passes through", "http://radio.example/stream", "/media/music", "http://radio.example/stream", 0},
		{"outside music dir", "file:///etc/passwd", "/media/music", "", music.KindInvalid},
		{"dot-dot escape", "file:///media/music/../secret.ogg", "/media/music", "", music.KindInvalid},
		{"sibling prefix", "file:///media/musicx/a.ogg", "/media/music", "", music.KindInvalid},
		{"the dir itself", "file:///media/music", "/media/music", "", music.KindInvalid},
		{"no music dir", "file:///media/music/a.ogg", "", "", music.KindInvalid},
		{"other host", "file://nas/media/music/a.ogg", "/media/music", "", music.KindInvalid},
		{"bad escape", "file:///media/music/%zz", "/media/music", "", music.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mpdPath(tt.uri, tt.dir)
			if tt.kind != 0 {
				require.Error(t, err)
				assert.Equal(t, tt.kind, music.KindOf(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestLocalPath(t *testing.T) {
	p, err := localPath("file:///tmp/a%20b.ogg")
	require.NoError(t, err)
	assert.Equal(t, "/tmp/a b.ogg", p)
	p, err = localPath("/already/a/path.ogg")
	require.NoError(t, err)
	assert.Equal(t, "/already/a/path.ogg", p)
	_, err = localPath("file:relative.ogg")
	assert.Equal(t, music.KindInvalid, music.KindOf(err))
}
