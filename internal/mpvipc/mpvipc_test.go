package mpvipc_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/mpvipc"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/testenv"
)

func TestClientAgainstRealMPV(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.ogg"), filepath.Join(dir, "b.ogg")
	testenv.Tone(t, a, 30)
	testenv.Tone(t, b, 30)
	bus := testenv.StartBus(t)
	mpv := testenv.StartMPV(t, bus, testenv.MPVOptions{})
	c := mpvipc.New(mpv.Socket, 10*time.Second)
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()

	n, err := c.PlaylistCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	p, err := c.Path(ctx)
	require.NoError(t, err)
	assert.Empty(t, p, "idle mpv has no path")

	require.NoError(t, c.LoadFile(ctx, a, mpvipc.Replace))
	require.NoError(t, c.LoadFile(ctx, b, mpvipc.Append))
	n, err = c.PlaylistCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	testenv.WaitFor(t, 20*time.Second, func() bool { p, err := c.Path(ctx); return err == nil && p == a }, "a.ogg plays")
	pos, err := c.PlaylistPos(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, pos)

	_, err = c.GetProperty(ctx, "no-such-property")
	var mErr *mpvipc.Error
	require.True(t, errors.As(err, &mErr), "mpv errors come back typed, got %v", err)
	assert.Equal(t, "get_property", mErr.Command)

	assert.Equal(t, music.KindInvalid, music.KindOf(c.LoadFile(ctx, a, "sideways")))
	assert.Equal(t, music.KindInvalid, music.KindOf(c.LoadFile(ctx, "", mpvipc.Append)))

	// A restarted mpv: the old connection is dead, the client reconnects.
	mpv.Restart(t)
	testenv.WaitFor(t, 20*time.Second, func() bool {
		n, err := c.PlaylistCount(ctx)
		return err == nil && n == 0
	}, "client reconnects to the restarted mpv")
}

func TestClientUnreachable(t *testing.T) {
	c := mpvipc.New(filepath.Join(t.TempDir(), "none.sock"), time.Second)
	_, err := c.PlaylistCount(context.Background())
	require.Error(t, err)
	assert.Equal(t, music.KindUnavailable, music.KindOf(err))
}

// FuzzParseReply: replies come from another process over a socket.
func FuzzParseReply(f *testing.F) {
	for _, seed := range []string{
		`{"data":{"playlist_entry_id":1},"request_id":0,"error":"success"}`,
		`{"event":"start-file","playlist_entry_id":1}`,
		`{"error":"property unavailable","request_id":3}`,
		`{"request_id":"x"}`, `[]`, `null`, ``, `{"data":`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		rep, err := mpvipc.ParseReply(line)
		if err == nil && rep.Data != nil && !json.Valid(rep.Data) {
			t.Fatalf("data is not valid JSON: %q", rep.Data)
		}
	})
}
