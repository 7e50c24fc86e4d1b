package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/testenv"
)

// TestMain lets the test binary act as continuod, so the tests below run the
// real process (signals, exit codes, RSS) without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("CONTINUOD_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

type proc struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	done   chan error
}

func startProcess(t *testing.T, bus *testenv.Bus, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(bus.Env(), "CONTINUOD_TEST_MAIN=1")
	p := &proc{cmd: cmd, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	require.NoError(t, cmd.Start())
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

func writeConfig(t *testing.T, path string, depth int) {
	t.Helper()
	cfg := fmt.Sprintf("[catalog]\nuri_template = \"emu:///{id}\"\n[queue]\ndepth = %d\n[log]\nlevel = \"info\"\nformat = \"json\"\n", depth)
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
}

func hasOwner(conn *dbus.Conn) (string, bool) {
	var owner string
	err := conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, busapi.BusName).Store(&owner)
	return owner, err == nil
}

// TestProcessLifecycle starts continuod, measures start-to-name and RSS,
// reloads on SIGHUP without dropping the name, and stops on SIGTERM with
// exit status 0.
func TestProcessLifecycle(t *testing.T) {
	bus := testenv.StartBus(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "continuo.toml")
	writeConfig(t, cfgPath, 3)
	start := time.Now()
	p := startProcess(t, bus, "--config", cfgPath, "--bus", bus.Address, "--db", filepath.Join(dir, "history.db"))
	conn := bus.Conn(t)
	var owner string
	testenv.WaitFor(t, 30*time.Second, func() bool { var ok bool; owner, ok = hasOwner(conn); return ok }, "continuod acquires %s", busapi.BusName)
	t.Logf("start to name acquired: %v", time.Since(start))
	if status, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/status"); err == nil {
		for _, l := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(l, "VmRSS") {
				t.Logf("continuod %s", strings.Join(strings.Fields(l), " "))
			}
		}
	}

	obj := conn.Object(busapi.BusName, busapi.Path)
	depth := func() uint32 {
		var d uint32
		_ = obj.Call("org.freedesktop.DBus.Properties.Get", 0, busapi.Interface, "QueueDepth").Store(&d)
		return d
	}
	require.Equal(t, uint32(3), depth())

	writeConfig(t, cfgPath, 5)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGHUP))
	testenv.WaitFor(t, 30*time.Second, func() bool { return depth() == 5 }, "SIGHUP applies the new queue depth")
	now, ok := hasOwner(conn)
	require.True(t, ok)
	assert.Equal(t, owner, now, "the name was not dropped during the reload")

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		require.NoError(t, err, "exit status after SIGTERM; stderr:\n%s", p.stderr)
	case <-time.After(30 * time.Second):
		t.Fatal("continuod did not exit after SIGTERM")
	}
	_, ok = hasOwner(conn)
	assert.False(t, ok, "the name is released")
	assert.Contains(t, p.stderr.String(), `"message":"shutting down"`, "JSON logs when not on a terminal")
	assert.NotContains(t, p.stderr.String(), "Swan", "no track titles in logs above debug")
}

func TestBadConfigNamesTheKey(t *testing.T) {
	cases := []struct {
		name, config, want string
	}{
		{"unknown key", "[queue]\ndepht = 3\n", "queue.depht"},
		{"bad value", "[queue]\ndepth = 0\n", "queue.depth"},
		{"bad level", "[log]\nlevel = \"loud\"\n", "log.level"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.toml")
			require.NoError(t, os.WriteFile(path, []byte(tc.config), 0o600))
			var stderr bytes.Buffer
			err := run(context.Background(), []string{"--config", path}, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
