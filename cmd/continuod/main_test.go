package main

import (
	"bytes"
	"context"
	"errors"
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
	"github.com/continuo/continuo/internal/version"
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
	stderr *testenv.Buffer
	done   chan error
}

func startProcess(t *testing.T, bus *testenv.Bus, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(bus.Env(), "CONTINUOD_TEST_MAIN=1")
	p := &proc{cmd: cmd, stderr: &testenv.Buffer{}, done: make(chan error, 1)}
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
	var apiVersion string
	require.NoError(t, obj.Call("org.freedesktop.DBus.Properties.Get", 0, busapi.Interface, "Version").Store(&apiVersion))
	assert.Equal(t, version.Version, apiVersion, "the Version property is the semantic version, without the commit (docs/api.md#versioning)")

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
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"--config", path}, &stdout, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, exitUsage, exitCode(err, &stderr), "an invalid config exits 2 (RestartPreventExitStatus=2)")
		})
	}
}

// runProcess runs continuod to completion and returns its exit status and
// output.
func runProcess(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(env, "CONTINUOD_TEST_MAIN=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run continuod: %v", err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// xdgEnv is an environment whose XDG directories are under dir.
func xdgEnv(dir string) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "XDG_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "DBUS_") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_STATE_HOME="+filepath.Join(dir, "state"))
}

// TestCommandLine replays the command-line findings of issue 13 against the
// real process: help on stdout with exit 0, --version, exit 2 for every
// usage error, and the config search path.
func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	env := xdgEnv(dir)
	userConfig := filepath.Join(dir, "config", "continuo", "continuo.toml")
	require.NoError(t, os.MkdirAll(filepath.Dir(userConfig), 0o700))
	require.NoError(t, os.WriteFile(userConfig, []byte("[queue]\ndepth = 7\n"), 0o600))

	cases := []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   string
		noStdout bool
	}{
		{"help", []string{"--help"}, exitOK, []string{"usage: continuod", "--check-config", "Exit status"}, "", false},
		{"short help", []string{"-h"}, exitOK, []string{"usage: continuod"}, "", false},
		{"version", []string{"--version"}, exitOK, []string{"continuod " + version.Version}, "", false},
		{"man page", []string{"--man"}, exitOK, []string{".TH CONTINUOD 8", ".SH EXIT STATUS", `\-\-check\-config`, `\-\-config FILE`}, "", false},
		{"unknown flag", []string{"--frobnicate"}, exitUsage, nil, "frobnicate", true},
		{"extra argument", []string{"extra"}, exitUsage, nil, `unexpected argument "extra"`, true},
		{"bad bus", []string{"--bus", "bogus"}, exitUsage, nil, "--bus", true},
		{"missing config", []string{"--config", filepath.Join(dir, "nope.toml")}, exitUsage, nil, "nope.toml", true},
		{"bad log level", []string{"--log-level", "loud", "--check-config"}, exitUsage, nil, "log.level", true},
		{"check user config", []string{"--check-config"}, exitOK,
			[]string{userConfig + ": OK", filepath.Join(dir, "state", "continuo", "history.db")}, "", false},
		{"print user config", []string{"--print-config"}, exitOK,
			[]string{"depth = 7", `path = "` + filepath.Join(dir, "state", "continuo", "history.db") + `"`}, "", false},
		{"print system defaults", []string{"--bus", "system", "--print-config"}, exitOK,
			[]string{"depth = 3", `path = "/var/lib/continuo/history.db"`}, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runProcess(t, env, tc.args...)
			assert.Equal(t, tc.code, code, "stderr: %s", stderr)
			for _, w := range tc.stdout {
				assert.Contains(t, stdout, w)
			}
			assert.Contains(t, stderr, tc.stderr)
			if tc.noStdout {
				assert.Empty(t, stdout)
			}
		})
	}
}

// TestPrintConfigIsValidConfig: the printed configuration is a config file
// that continuod accepts and that gives the same configuration again.
func TestPrintConfigIsValidConfig(t *testing.T) {
	dir := t.TempDir()
	env := xdgEnv(dir)
	code, printed, stderr := runProcess(t, env, "--print-config")
	require.Equal(t, exitOK, code, stderr)
	path := filepath.Join(dir, "printed.toml")
	require.NoError(t, os.WriteFile(path, []byte(printed), 0o600))
	code, again, stderr := runProcess(t, env, "--config", path, "--print-config")
	require.Equal(t, exitOK, code, stderr)
	body := func(s string) string { return s[strings.Index(s, "[bus]"):] }
	assert.Equal(t, body(printed), body(again))
}

// TestDBusActivation installs the shipped session activation file in a
// private bus's service directory, pointing Exec= at this continuod, and
// calls the API: the bus starts continuod, which reads the config from the
// XDG search path and keeps its database in the XDG state directory.
func TestDBusActivation(t *testing.T) {
	shipped, err := os.ReadFile("../../configs/dbus-1/services/org.continuo.Recommender1.service")
	require.NoError(t, err)
	for _, line := range []string{"[D-BUS Service]", "Name=" + busapi.BusName, "SystemdService=continuod.service", "Exec=/usr/bin/continuod --bus session"} {
		require.Contains(t, string(shipped), line+"\n", "the shipped activation file")
	}
	system, err := os.ReadFile("../../configs/dbus-1/system-services/org.continuo.Recommender1.service")
	require.NoError(t, err)
	for _, line := range []string{"Name=" + busapi.BusName, "SystemdService=continuod.service", "User=continuo"} {
		require.Contains(t, string(system), line+"\n", "the system activation file")
	}

	dir := t.TempDir()
	services := filepath.Join(dir, "services")
	require.NoError(t, os.MkdirAll(services, 0o700))
	activation := strings.Replace(string(shipped), "Exec=/usr/bin/continuod", "Exec="+os.Args[0], 1)
	require.NoError(t, os.WriteFile(filepath.Join(services, "org.continuo.Recommender1.service"), []byte(activation), 0o600))
	userConfig := filepath.Join(dir, "config", "continuo", "continuo.toml")
	require.NoError(t, os.MkdirAll(filepath.Dir(userConfig), 0o700))
	require.NoError(t, os.WriteFile(userConfig, []byte("[queue]\ndepth = 6\n[log]\nformat = \"json\"\n"), 0o600))

	// dbus-daemon passes its environment to what it activates; it adds
	// DBUS_SESSION_BUS_ADDRESS itself (none is set here).
	bus := testenv.StartBusWith(t, testenv.BusOptions{ServiceDir: services, Env: append(xdgEnv(dir), "CONTINUOD_TEST_MAIN=1")})
	conn := bus.Conn(t)
	_, ok := hasOwner(conn)
	require.False(t, ok, "nobody owns the name before the call")

	var depth uint32
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	obj := conn.Object(busapi.BusName, busapi.Path)
	require.NoError(t, obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, busapi.Interface, "QueueDepth").Store(&depth),
		"the call activates continuod")
	assert.Equal(t, uint32(6), depth, "continuod read ~/.config/continuo/continuo.toml")
	owner, ok := hasOwner(conn)
	require.True(t, ok, "the name appears")
	t.Cleanup(func() { stopOwner(t, conn, owner) })
	testenv.WaitFor(t, 60*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(dir, "state", "continuo", "history.db"))
		return err == nil
	}, "the database is created under $XDG_STATE_HOME/continuo")
}

// stopOwner sends SIGTERM to the process owning a unique name and waits
// until it has left the bus.
func stopOwner(t *testing.T, conn *dbus.Conn, owner string) {
	var pid uint32
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, owner).Store(&pid); err != nil {
		t.Logf("pid of %s: %v", owner, err)
		return
	}
	_ = syscall.Kill(int(pid), syscall.SIGTERM)
	testenv.WaitFor(t, 30*time.Second, func() bool { _, ok := hasOwner(conn); return !ok }, "continuod leaves the bus after SIGTERM")
}

// TestJournalPriorities runs continuod with its stderr as the journal
// stream (JOURNAL_STREAM names that file, as systemd does). This machine has
// no journal socket, so entries take the fallback: "<N>"-prefixed lines that
// journald turns into priorities. The bus is unreachable, so continuod warns
// and retries.
func TestJournalPriorities(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "stderr")
	logFile, err := os.Create(logPath)
	require.NoError(t, err)
	defer logFile.Close()
	fi, err := logFile.Stat()
	require.NoError(t, err)
	st := fi.Sys().(*syscall.Stat_t)

	cmd := exec.Command(os.Args[0], "--bus", "unix:path="+filepath.Join(dir, "no-bus"), "--db", filepath.Join(dir, "h.db"))
	cmd.Env = append(xdgEnv(dir), "CONTINUOD_TEST_MAIN=1", fmt.Sprintf("JOURNAL_STREAM=%d:%d", st.Dev, st.Ino))
	cmd.Stderr = logFile
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })

	read := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	testenv.WaitFor(t, 30*time.Second, func() bool { return strings.Contains(read(), "retry_in_ms") }, "continuod warns that the bus is unreachable")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	lines := strings.Split(strings.TrimSpace(read()), "\n")
	var info, warn int
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "<6>{"):
			info++
		case strings.HasPrefix(l, "<4>{") && strings.Contains(l, `"retry_in_ms":`):
			warn++
			assert.Regexp(t, `"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}`, l, "millisecond timestamps")
		default:
			if !strings.HasPrefix(l, "<4>{") {
				t.Errorf("a line without a priority prefix: %q", l)
			}
		}
	}
	assert.Positive(t, info, "info entries at <6>")
	assert.Positive(t, warn, "the warning at <4>, with retry_in_ms")
}

// TestRequestTaggerWarmedAfterName: once continuod has its name it decodes
// the spoken-request tagger without waiting for a request, so the first
// Play or Resolve after a start does not pay for it.
func TestRequestTaggerWarmedAfterName(t *testing.T) {
	bus := testenv.StartBus(t)
	dir := t.TempDir()
	p := startProcess(t, bus, "--bus", bus.Address, "--db", filepath.Join(dir, "history.db"), "--log-level", "debug")
	conn := bus.Conn(t)
	testenv.WaitFor(t, 30*time.Second, func() bool { _, ok := hasOwner(conn); return ok }, "continuod acquires %s", busapi.BusName)
	testenv.WaitFor(t, 30*time.Second, func() bool {
		return strings.Contains(p.stderr.String(), `"message":"request tagger decoded"`)
	}, "the tagger is decoded with no request made; stderr:\n%s", p.stderr)
}
