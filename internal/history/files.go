package history

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/continuo/continuo/internal/music"
)

// The history is private: the database and its -wal and -shm files are the
// daemon user's own, mode 0600, whatever the umask, and a file or directory
// someone else could have planted or could change under the daemon is
// refused rather than used.
//
// SQLite creates -wal and -shm with the database file's mode and, when run
// as root, gives them to the database file's owner. So the database file is
// created here, 0600, before SQLite opens it, and so are empty -wal and -shm
// files: in a directory others may write to (a sticky /tmp) nobody can then
// slip their own -wal in between this check and SQLite's open. SQLite
// removes -wal and -shm only when the last connection closes, i.e. at Close.
const fileMode = 0o600

// secureFiles checks the directory of path and the database files in it,
// creating the missing ones 0600. Errors name the path and say why.
func secureFiles(path string) error {
	if err := checkDir(filepath.Dir(path)); err != nil {
		return err
	}
	// Everything is checked before anything is created. A rollback journal
	// is not used in WAL mode, but one left behind would be replayed into
	// the database at open.
	files := []string{path, path + "-wal", path + "-shm"}
	for _, p := range append(files, path+"-journal") {
		if err := checkExisting(p); err != nil {
			return err
		}
	}
	for _, p := range files {
		if err := ensurePrivateFile(p); err != nil {
			return err
		}
	}
	return nil
}

// checkDir accepts a directory owned by this user or root and not writable
// by group or others, unless it has the sticky bit (like /tmp): there others
// cannot remove or rename this user's files, and the files are checked one
// by one.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return music.WrapKind(music.KindUnavailable, err, "history: directory %s", dir)
	}
	uid := owner(fi)
	if uid != os.Geteuid() && uid != 0 {
		return refused(dir, "directory is owned by uid %d, not by this user (uid %d) or root", uid, os.Geteuid())
	}
	if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return refused(dir, "directory is writable by group or others (mode %04o) without the sticky bit", fi.Mode().Perm())
	}
	return nil
}

// ensurePrivateFile creates path 0600 if it does not exist, else checks it
// again (it may have appeared since).
func ensurePrivateFile(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|syscall.O_NOFOLLOW, fileMode)
	if errors.Is(err, fs.ErrExist) {
		return checkExisting(path)
	}
	if err != nil {
		return music.WrapKind(music.KindUnavailable, err, "history: create %s", path)
	}
	// The umask may have taken bits away; 0600 exactly.
	err = f.Chmod(fileMode)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return music.WrapKind(music.KindUnavailable, err, "history: create %s", path)
	}
	return nil
}

// checkExisting refuses a file that is a symbolic link, not a regular file,
// owned by another user, or writable by group or others. A file of this user
// that others may only read (a database created 0644 by an older version)
// is made 0600.
func checkExisting(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return music.WrapKind(music.KindUnavailable, err, "history: %s", path)
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return refused(path, "is a symbolic link")
	case !fi.Mode().IsRegular():
		return refused(path, "is not a regular file")
	case owner(fi) != os.Geteuid():
		return refused(path, "is owned by uid %d, not by this user (uid %d)", owner(fi), os.Geteuid())
	case fi.Mode().Perm()&0o022 != 0:
		return refused(path, "is writable by group or others (mode %04o)", fi.Mode().Perm())
	case fi.Mode().Perm()&^fileMode != 0:
		if err := os.Chmod(path, fileMode); err != nil {
			return music.WrapKind(music.KindUnavailable, err, "history: make %s private", path)
		}
	}
	return nil
}

func owner(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

func refused(path, format string, args ...any) error {
	return music.Errorf(music.KindAccessDenied, "history: refusing %s: %s", path, fmt.Sprintf(format, args...))
}
