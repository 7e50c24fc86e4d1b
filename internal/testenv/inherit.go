package testenv

import (
	"os"
	"strconv"
	"sync"
	"syscall"
)

var inheritOnce sync.Once

// closeInheritedOnExec marks every descriptor this process inherited (above
// stderr) close-on-exec, so the daemons and players a test starts do not
// hold them. Go opens its own files close-on-exec, but not what it
// inherits: a fuzz worker inherits its pipes to the coordinator, and a bus
// daemon that outlived a killed worker kept them open, so the coordinator
// waited for EOF forever ("execs: N (0/sec)" until the timeout).
func closeInheritedOnExec() {
	inheritOnce.Do(func() {
		entries, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			return // not Linux; nothing to fix there
		}
		for _, e := range entries {
			if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
				syscall.CloseOnExec(fd)
			}
		}
	})
}
