package daemon_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/busapi"
)

// TestPrivilegedCallsCheckTheCaller calls ForgetProfile and sets a property
// as an unprivileged user (nobody) through the real bus: the daemon asks the
// bus for the caller's uid and refuses, even though this test bus's policy
// lets everyone send everything (a misconfigured policy).
func TestPrivilegedCallsCheckTheCaller(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a caller as another user")
	}
	e := startDaemon(t)
	// Let the other user reach the private bus's socket.
	sock, _, _ := strings.Cut(strings.TrimPrefix(e.bus.Address, "unix:path="), ",")
	require.NoError(t, os.Chmod(filepath.Dir(sock), 0o755))
	require.NoError(t, os.Chmod(sock, 0o777))

	asNobody := func(args ...string) string {
		cmd := exec.Command("dbus-send", append([]string{"--bus=" + e.bus.Address, "--print-reply",
			"--dest=" + busapi.BusName, string(busapi.Path)}, args...)...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		require.Error(t, err, "the call must fail: %s", out)
		return string(out)
	}
	out := asNobody(busapi.Interface+".ForgetProfile", "string:default")
	assert.Contains(t, out, "org.continuo.Error.AccessDenied")
	assert.Contains(t, out, "uid 65534")
	out = asNobody("org.freedesktop.DBus.Properties.Set", "string:"+busapi.Interface, "string:Mood", "variant:string:calm")
	assert.Contains(t, out, "org.continuo.Error.AccessDenied")
	assert.Equal(t, "", e.core.State().Mood, "the refused write changed nothing")

	// Unprivileged reads still work.
	cmd := exec.Command("dbus-send", "--bus="+e.bus.Address, "--print-reply", "--dest="+busapi.BusName, string(busapi.Path),
		busapi.Interface+".Explain", "string:nope")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	b, _ := cmd.CombinedOutput()
	assert.Contains(t, string(b), "org.continuo.Error.NotFound", "an ordinary call is answered")
}
