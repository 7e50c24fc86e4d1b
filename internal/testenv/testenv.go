// Package testenv owns the real parts that tests start: a private dbus-daemon
// per test, connections to it, temporary databases, real MPRIS players, and
// WaitFor, the one way tests wait for a condition (never a bare sleep).
//
// It is imported only from _test.go files.
package testenv

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Bus is a private dbus-daemon started for one test.
type Bus struct {
	Address string
	cmd     *exec.Cmd
	config  string
	env     []string // dbus-daemon's environment; nil = the test's
}

// BusOptions configure StartBusWith.
type BusOptions struct {
	// ServiceDir holds D-Bus activation files (<servicedir>): the bus
	// starts their Exec= when a name of theirs is called.
	ServiceDir string
	// Env is dbus-daemon's environment, which activated services inherit.
	Env []string
}

// StartBus starts `dbus-daemon --session`-like private bus on a socket in a
// temporary directory and stops it when the test ends. Reading the address
// the daemon prints is the readiness wait.
func StartBus(tb testing.TB) *Bus {
	tb.Helper()
	return StartBusWith(tb, BusOptions{})
}

// StartBusWith is StartBus with activation files and an environment.
func StartBusWith(tb testing.TB, opts BusOptions) *Bus {
	tb.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		tb.Fatalf("dbus-daemon not installed (apt-get install dbus): %v", err)
	}
	// A short directory of its own: unix socket paths are limited to 108
	// bytes, and t.TempDir() grows with the test's name.
	dir, err := os.MkdirTemp("", "cbus")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = os.RemoveAll(dir) })
	b := &Bus{config: filepath.Join(dir, "bus.conf"), env: opts.Env}
	services := ""
	if opts.ServiceDir != "" {
		services = "<servicedir>" + opts.ServiceDir + "</servicedir>"
	}
	conf := fmt.Sprintf(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s/bus</listen>
  <auth>EXTERNAL</auth>
  %s
  <policy context="default">
    <!-- Any user may connect: tests run callers as other users to check
         the daemon's own privilege check. -->
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>`, dir, services)
	if err := os.WriteFile(b.config, []byte(conf), 0o600); err != nil {
		tb.Fatal(err)
	}
	b.start(tb)
	tb.Cleanup(b.Stop)
	return b
}

func (b *Bus) start(tb testing.TB) {
	tb.Helper()
	_ = os.Remove(filepath.Join(filepath.Dir(b.config), "bus")) // a killed daemon leaves its socket
	closeInheritedOnExec()
	cmd := exec.Command("dbus-daemon", "--nofork", "--print-address", "--config-file", b.config)
	cmd.Env = b.env
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	// stderr is discarded: as non-root-in-a-container it only complains
	// that it cannot raise its fd limit.
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start dbus-daemon: %v", err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		tb.Fatalf("read dbus-daemon address: %v", err)
	}
	b.cmd = cmd
	b.Address = strings.TrimSpace(line)
}

// Stop kills the bus daemon (idempotent).
func (b *Bus) Stop() {
	if b.cmd == nil {
		return
	}
	_ = b.cmd.Process.Kill()
	_ = b.cmd.Wait()
	b.cmd = nil
}

// Restart stops the bus daemon and starts a new one on the same socket
// path, so the address stays the same, as after a real dbus-daemon restart.
func (b *Bus) Restart(tb testing.TB) {
	tb.Helper()
	b.Stop()
	b.start(tb)
}

// Env returns the environment for a child process that must use this bus and
// no other (no session bus autolaunch, no X11).
func (b *Bus) Env() []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") || strings.HasPrefix(kv, "DBUS_SYSTEM_BUS_ADDRESS=") || strings.HasPrefix(kv, "DISPLAY=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "DBUS_SESSION_BUS_ADDRESS="+b.Address, "DBUS_SYSTEM_BUS_ADDRESS="+b.Address)
}

// Conn opens a private connection to the bus, closed when the test ends.
func (b *Bus) Conn(tb testing.TB) *dbus.Conn {
	tb.Helper()
	conn, err := dbus.Connect(b.Address)
	if err != nil {
		tb.Fatalf("connect to private bus: %v", err)
	}
	tb.Cleanup(func() { _ = conn.Close() })
	return conn
}

// WaitFor polls cond until it holds or the deadline passes, then fails the
// test with msg. Polling at a short interval is a condition wait with a
// deadline, not a sleep for synchronisation: the test proceeds as soon as the
// condition holds.
func WaitFor(tb testing.TB, timeout time.Duration, cond func() bool, msg string, args ...any) {
	tb.Helper()
	if !Eventually(timeout, cond) {
		tb.Fatalf("timed out after %v waiting for: %s", timeout, fmt.Sprintf(msg, args...))
	}
}

// Eventually is WaitFor without the test: it reports whether cond held
// before the timeout.
func Eventually(timeout time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return true
		}
		select {
		case <-ctx.Done():
			return cond()
		case <-tick.C:
		}
	}
}
