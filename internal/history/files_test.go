package history

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

// nobody is the uid another user's files are created with (Debian's nobody).
const nobody = 65534

// The files are the daemon user's own and 0600 whatever the umask.
func TestFilesCreatedPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	old := syscall.Umask(0) // the most permissive umask
	defer syscall.Umask(old)
	s := openStore(t, Options{Path: path})
	_, err := s.Record(context.Background(), event("anna", 1, music.OutcomeCompleted))
	require.NoError(t, err)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		require.NoError(t, err, p)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), p)
		assert.Equal(t, os.Geteuid(), owner(fi), p)
	}
}

// A database of this user that others may read (created 0644 by an older
// version) is made private and used.
func TestReadableDatabaseMadePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	s := openStore(t, Options{Path: path})
	require.NoError(t, s.Close())
	require.NoError(t, os.Chmod(path, 0o644))
	openStore(t, Options{Path: path})
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

// Files or directories someone else owns or may write to are refused with
// an error naming the path, and nothing is written.
func TestForeignFilesRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating files of another user needs root (CI runs as root)")
	}
	ctx := context.Background()
	plant := func(t *testing.T, path string, uid int, mode os.FileMode) {
		t.Helper()
		require.NoError(t, os.WriteFile(path, nil, mode))
		require.NoError(t, os.Chown(path, uid, uid))
		require.NoError(t, os.Chmod(path, mode))
	}
	for _, tc := range []struct {
		name    string
		dirMode os.FileMode
		setup   func(t *testing.T, dir, db string) (refused string)
		want    string
	}{
		{"database of another user in a world-writable sticky directory", 0o777 | os.ModeSticky, func(t *testing.T, dir, db string) string {
			plant(t, db, nobody, 0o666)
			return db
		}, "owned by uid 65534"},
		{"database of another user, mode 0600", 0o700, func(t *testing.T, dir, db string) string {
			plant(t, db, nobody, 0o600)
			return db
		}, "owned by uid 65534"},
		{"WAL of another user", 0o777 | os.ModeSticky, func(t *testing.T, dir, db string) string {
			plant(t, db+"-wal", nobody, 0o666)
			return db + "-wal"
		}, "owned by uid 65534"},
		{"shared memory of another user", 0o777 | os.ModeSticky, func(t *testing.T, dir, db string) string {
			plant(t, db+"-shm", nobody, 0o600)
			return db + "-shm"
		}, "owned by uid 65534"},
		{"rollback journal of another user", 0o700, func(t *testing.T, dir, db string) string {
			plant(t, db+"-journal", nobody, 0o600)
			return db + "-journal"
		}, "owned by uid 65534"},
		{"own database writable by others", 0o700, func(t *testing.T, dir, db string) string {
			plant(t, db, os.Geteuid(), 0o666)
			return db
		}, "writable by group or others"},
		{"world-writable directory without the sticky bit", 0o777, func(t *testing.T, dir, db string) string {
			return dir
		}, "without the sticky bit"},
		{"directory of another user", 0o700, func(t *testing.T, dir, db string) string {
			require.NoError(t, os.Chown(dir, nobody, nobody))
			return dir
		}, "directory is owned by uid 65534"},
		{"database is a symbolic link", 0o700, func(t *testing.T, dir, db string) string {
			require.NoError(t, os.Symlink(filepath.Join(t.TempDir(), "elsewhere.db"), db))
			return db
		}, "symbolic link"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state")
			require.NoError(t, os.Mkdir(dir, 0o700))
			require.NoError(t, os.Chmod(dir, tc.dirMode))
			db := filepath.Join(dir, "history.db")
			path := tc.setup(t, dir, db)
			before := listDir(t, dir)

			s, err := Open(ctx, Options{Path: db})
			if err == nil {
				_ = s.Close()
			}
			require.Error(t, err)
			assert.Equal(t, music.KindAccessDenied, music.KindOf(err), "%v", err)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, before, listDir(t, dir), "nothing created or changed")
		})
	}
}

func listDir(t *testing.T, dir string) map[string]os.FileMode {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string]os.FileMode{}
	for _, e := range ents {
		fi, err := e.Info()
		require.NoError(t, err)
		out[e.Name()] = fi.Mode()
	}
	return out
}
