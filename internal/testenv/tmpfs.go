package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// RequireMountEnv, when set (CI sets it, and CI runs as root), turns a
// tmpfs that cannot be mounted into a test failure instead of a skip.
const RequireMountEnv = "CONTINUO_REQUIRE_MOUNT"

// Tmpfs is a small tmpfs mounted for one test: a file system that really
// fills up (ENOSPC from the kernel), which no SQLite pragma imitates for
// the WAL and the shared-memory file.
type Tmpfs struct {
	Dir string
}

// MountTmpfs mounts a tmpfs of size bytes on a new temporary directory and
// unmounts it when the test ends (after the test's own cleanups registered
// later, such as closing a database in it). Mounting needs CAP_SYS_ADMIN:
// without it the test is skipped, or fails when CONTINUO_REQUIRE_MOUNT is
// set.
func MountTmpfs(tb testing.TB, size int64) *Tmpfs {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d,mode=0700", size))
	if err != nil {
		msg := fmt.Sprintf("mounting a %d-byte tmpfs on %s: %v (needs root or CAP_SYS_ADMIN)", size, dir, err)
		if os.Getenv(RequireMountEnv) != "" || !errors.Is(err, syscall.EPERM) {
			tb.Fatalf("%s; %s is set or the error is not a permission error, so this is a failure", msg, RequireMountEnv)
		}
		tb.Skip(msg)
	}
	tb.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			tb.Errorf("unmount %s: %v", dir, err)
		}
	})
	return &Tmpfs{Dir: dir}
}

// Resize changes the size of the mounted tmpfs: smaller than what is used
// fails, larger gives space back to a full file system.
func (f *Tmpfs) Resize(tb testing.TB, size int64) {
	tb.Helper()
	if err := syscall.Mount("tmpfs", f.Dir, "tmpfs", syscall.MS_REMOUNT|syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d", size)); err != nil {
		tb.Fatalf("resize the tmpfs on %s to %d bytes: %v", f.Dir, size, err)
	}
}

// Fill writes a ballast file until the file system is full and returns its
// path; removing it gives the space back.
func (f *Tmpfs) Fill(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(f.Dir, "ballast")
	fh, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := fh.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return path
			}
			tb.Fatalf("filling %s: %v", f.Dir, err)
		}
	}
}
