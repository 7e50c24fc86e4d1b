package history

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/testenv"
)

// A real full file system: a tmpfs the kernel keeps at its size. While it
// is full every write is refused with KindUnavailable ("disk full"), a
// restart still opens the database (reads work), nothing acknowledged before
// is lost, and writes resume once space returns: both when the WAL itself
// filled the file system and when another file took the space.
func TestRealFullFilesystem(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int64
		// fill makes the file system full (or leaves it to the WAL), free
		// gives space back.
		fill func(t *testing.T, fs *testenv.Tmpfs) (free func())
	}{
		{"the WAL filled it", 200 << 10, func(t *testing.T, fs *testenv.Tmpfs) func() {
			return func() { fs.Resize(t, 8<<20) }
		}},
		{"another file took the space", 1 << 20, func(t *testing.T, fs *testenv.Tmpfs) func() {
			ballast := fs.Fill(t)
			return func() { require.NoError(t, os.Remove(ballast)) }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			fs := testenv.MountTmpfs(t, tc.size)
			path := filepath.Join(fs.Dir, "history.db")
			s := openStore(t, Options{Path: path})
			acked := map[int64]string{}
			record := func(i int) error {
				ev := event("anna", i, music.OutcomeCompleted)
				ev.Title = fmt.Sprintf("%d %s", i, strings.Repeat("t", 900))
				id, err := s.Record(ctx, ev)
				if err == nil {
					acked[id] = ev.Title
				}
				return err
			}
			like := func() error {
				return s.Feedback(ctx, music.Feedback{Profile: "anna", TrackID: "track-001", Kind: music.Like, At: t0})
			}
			assertFull := func(err error) {
				t.Helper()
				require.Error(t, err)
				assert.Equal(t, music.KindUnavailable, music.KindOf(err), "%v", err)
				assert.Contains(t, music.MessageOf(err), "disk full")
			}
			require.NoError(t, record(0))
			free := tc.fill(t, fs)

			var err error
			for i := 1; i < 100000 && err == nil; i++ {
				err = record(i)
			}
			assertFull(err)
			// With 1 KiB pages a small write can still fit in the WAL's
			// last allocated block after a large one was refused: it is
			// acknowledged (and checked below like the others) until the
			// block is used up.
			for i := 0; i < 64 && like() == nil; i++ {
			}
			for i := 0; i < 64 && record(-1) == nil; i++ {
			}
			for range 3 { // still full: every write fails the same way
				assertFull(like())
				assertFull(record(-1))
			}
			assertAllStored(t, s, acked)

			// A restart on the full disk: the history opens, writes wait
			// for space.
			require.NoError(t, s.Close())
			s = openStore(t, Options{Path: path})
			assertAllStored(t, s, acked)
			assertFull(record(-1))

			free()
			require.NoError(t, record(100001), "a write after space returned")
			require.NoError(t, like())
			assertAllStored(t, s, acked)
			require.NoError(t, s.Close())
			s = openStore(t, Options{Path: path})
			assertAllStored(t, s, acked)
			require.NoError(t, record(100002))
		})
	}
}

func assertAllStored(t *testing.T, s *Store, acked map[int64]string) {
	t.Helper()
	var res string
	require.NoError(t, s.rdb.QueryRow("PRAGMA integrity_check").Scan(&res))
	require.Equal(t, "ok", res)
	stored := map[int64]string{}
	rows, err := s.rdb.Query("SELECT id, title FROM events")
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		var title string
		require.NoError(t, rows.Scan(&id, &title))
		stored[id] = title
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	missing := 0
	for id, title := range acked {
		if stored[id] != title {
			missing++
		}
	}
	assert.Zero(t, missing, "%d of %d acknowledged events missing", missing, len(acked))
}
