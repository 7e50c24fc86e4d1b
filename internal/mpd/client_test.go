package mpd_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/mpd"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/testenv"
)

func TestClientAgainstRealMPD(t *testing.T) {
	dir := t.TempDir()
	testenv.Tone(t, filepath.Join(dir, "a.ogg"), 30)
	testenv.Tone(t, filepath.Join(dir, "with space.ogg"), 30)
	srv := testenv.StartMPD(t, nil, dir)
	c := mpd.New(srv.Addr, mpd.Options{Timeout: 10 * time.Second})
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()

	st, err := c.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, "stop", st.State)
	assert.Equal(t, -1, st.SongID)
	assert.NotEmpty(t, c.Version(), "greeting version recorded")

	idA, err := c.AddID(ctx, "a.ogg", -1)
	require.NoError(t, err)
	idB, err := c.AddID(ctx, "with space.ogg", -1)
	require.NoError(t, err)
	assert.NotEqual(t, idA, idB)

	songs, err := c.PlaylistInfo(ctx)
	require.NoError(t, err)
	require.Len(t, songs, 2)
	assert.Equal(t, []string{"a.ogg", "with space.ogg"}, []string{songs[0].File, songs[1].File})
	assert.Equal(t, idB, songs[1].ID)
	assert.Equal(t, 30*time.Second, songs[0].Duration.Round(time.Second))

	_, ok, err := c.CurrentSong(ctx)
	require.NoError(t, err)
	assert.False(t, ok, "nothing current before play")

	require.NoError(t, c.PlayID(ctx, idB))
	cur, ok, err := c.CurrentSong(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, idB, cur.ID)
	st, err = c.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, "play", st.State)
	assert.Equal(t, idB, st.SongID)

	_, err = c.AddID(ctx, "missing.ogg", -1)
	var ack *mpd.AckError
	require.True(t, errors.As(err, &ack), "ACK comes back typed, got %v", err)
	assert.Equal(t, mpd.AckNoExist, ack.Code)
	_, err = c.Status(ctx)
	require.NoError(t, err, "the connection stays usable after an ACK")

	_, err = c.AddID(ctx, "a.ogg\nclear", -1)
	assert.Equal(t, music.KindInvalid, music.KindOf(err), "newline injection refused")

	require.NoError(t, c.Clear(ctx))
	songs, err = c.PlaylistInfo(ctx)
	require.NoError(t, err)
	assert.Empty(t, songs)
}

func TestClientReconnects(t *testing.T) {
	dir := t.TempDir()
	srv := testenv.StartMPD(t, nil, dir)
	c := mpd.New(srv.Addr, mpd.Options{Timeout: 10 * time.Second})
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	_, err := c.Status(ctx)
	require.NoError(t, err)
	// Ask the server to drop our connection; the next call must reconnect.
	_, err = c.Command(ctx, "close")
	require.Error(t, err, "close has no reply")
	_, err = c.Status(ctx)
	require.NoError(t, err, "reconnected after the server closed the connection")
}

func TestClientUnreachable(t *testing.T) {
	c := mpd.New(filepath.Join(t.TempDir(), "no.sock"), mpd.Options{Timeout: time.Second})
	_, err := c.Status(context.Background())
	require.Error(t, err)
	assert.Equal(t, music.KindUnavailable, music.KindOf(err))
}
