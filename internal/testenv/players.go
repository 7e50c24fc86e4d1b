package testenv

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// RequirePlayersEnv, when set (CI sets it), turns a missing player binary
// into a test failure instead of a skip.
const RequirePlayersEnv = "CONTINUO_REQUIRE_PLAYERS"

// PlayerStartTimeout bounds how long a player may take to appear on the bus;
// generous because a loaded 2-core machine starts mpv slowly.
const PlayerStartTimeout = 60 * time.Second

// NeedBinaries skips the test when a binary is missing, or fails it when
// CONTINUO_REQUIRE_PLAYERS is set.
func NeedBinaries(tb testing.TB, names ...string) {
	tb.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			msg := fmt.Sprintf("%s not installed (Debian: apt-get install dbus mpv mpv-mpris mpd mpdris2 playerctl sox)", name)
			if os.Getenv(RequirePlayersEnv) != "" {
				tb.Fatalf("%s; %s is set, so this is a failure", msg, RequirePlayersEnv)
			}
			tb.Skip(msg)
		}
	}
}

// Tone writes a mono 8 kHz sine tone of the given length to path with sox.
// The format follows the extension; .ogg (Vorbis) is played by both mpv and
// Debian's mpd without extra packages.
func Tone(tb testing.TB, path string, seconds float64) {
	tb.Helper()
	NeedBinaries(tb, "sox")
	out, err := exec.Command("sox", "-n", "-r", "8000", "-c", "1", path,
		"synth", strconv.FormatFloat(seconds, 'f', 3, 64), "sine", "440").CombinedOutput()
	if err != nil {
		tb.Fatalf("sox %s: %v: %s", path, err, out)
	}
}

// proc is a child process killed and waited for in Cleanup (or earlier by
// Kill). exited is closed when it has exited.
type proc struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
	once   sync.Once
}

func startProc(tb testing.TB, name string, env []string, logPath string, args ...string) *proc {
	tb.Helper()
	closeInheritedOnExec()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	logf, err := os.Create(logPath)
	if err != nil {
		tb.Fatalf("create %s: %v", logPath, err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		tb.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		_ = logf.Close()
		close(p.exited)
	}()
	tb.Cleanup(p.kill)
	return p
}

// kill ends the process and waits for it (idempotent).
func (p *proc) kill() {
	p.once.Do(func() { _ = p.cmd.Process.Kill() })
	<-p.exited
}

func (p *proc) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// waitBusName waits until name has an owner on the bus, failing early if the
// process that should own it exits. It logs the process's output on failure.
func waitBusName(tb testing.TB, bus *Bus, p *proc, name, logPath string) {
	tb.Helper()
	conn, err := dbus.Connect(bus.Address)
	if err != nil {
		tb.Fatalf("connect to private bus: %v", err)
	}
	defer conn.Close()
	ok := Eventually(PlayerStartTimeout, func() bool {
		if !p.running() {
			return true
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var has bool
		err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has)
		return err == nil && has
	})
	if !ok || !p.running() {
		out, _ := os.ReadFile(logPath)
		tb.Fatalf("%s did not put %s on the bus (running=%v): log:\n%s", p.name, name, p.running(), out)
	}
}

// MPVOptions configure StartMPV.
type MPVOptions struct {
	Args []string // extra mpv arguments, e.g. files to play
}

// MPV is a real mpv with the mpv-mpris plugin on a private bus.
type MPV struct {
	Socket  string // --input-ipc-server path
	BusName string // org.mpris.MediaPlayer2.mpv
	Log     string // mpv's output
	bus     *Bus
	opts    MPVOptions
	dir     string
	p       *proc
}

// StartMPV starts `mpv --no-video --ao=null --idle=yes --input-ipc-server=SOCK`
// with the bus's environment and a private HOME, so only the system-wide
// mpv-mpris plugin (/etc/mpv/scripts) loads. It returns once
// org.mpris.MediaPlayer2.mpv is on the bus; the process is killed and waited
// for when the test ends.
func StartMPV(tb testing.TB, bus *Bus, opts MPVOptions) *MPV {
	tb.Helper()
	NeedBinaries(tb, "mpv")
	if _, err := os.Stat("/etc/mpv/scripts/mpris.so"); err != nil {
		if os.Getenv(RequirePlayersEnv) != "" {
			tb.Fatalf("mpv-mpris plugin missing (apt-get install mpv-mpris): %v", err)
		}
		tb.Skipf("mpv-mpris plugin missing (apt-get install mpv-mpris): %v", err)
	}
	dir := tb.TempDir()
	m := &MPV{
		Socket:  filepath.Join(dir, "mpv.sock"),
		BusName: "org.mpris.MediaPlayer2.mpv",
		Log:     filepath.Join(dir, "mpv.log"),
		bus:     bus,
		opts:    opts,
		dir:     dir,
	}
	m.start(tb)
	return m
}

func (m *MPV) start(tb testing.TB) {
	tb.Helper()
	env := append(m.bus.Env(), "HOME="+m.dir, "XDG_CONFIG_HOME="+filepath.Join(m.dir, "config"))
	args := append([]string{
		"--no-video", "--ao=null", "--idle=yes", "--input-ipc-server=" + m.Socket,
		"--no-terminal", "--no-input-default-bindings", "--msg-level=all=warn",
	}, m.opts.Args...)
	m.p = startProc(tb, "mpv", env, m.Log, args...)
	waitBusName(tb, m.bus, m.p, m.BusName, m.Log)
	WaitFor(tb, PlayerStartTimeout, func() bool {
		_, err := os.Stat(m.Socket)
		return err == nil
	}, "mpv IPC socket %s", m.Socket)
}

// Kill kills mpv and waits for it to exit.
func (m *MPV) Kill() { m.p.kill() }

// Restart kills mpv (if running) and starts it again with the same socket
// path and options.
func (m *MPV) Restart(tb testing.TB) {
	tb.Helper()
	m.p.kill()
	_ = os.Remove(m.Socket)
	m.start(tb)
}

// MPD is a real mpd with mpDris2 bridging it to MPRIS on a private bus.
type MPD struct {
	Addr      string // 127.0.0.1:port
	Port      int
	MusicDir  string
	BusName   string // org.mpris.MediaPlayer2.mpd
	Log       string // mpd's log file
	BridgeLog string // mpDris2's output
	bus       *Bus
	dir       string
	mpd       *proc
	bridge    *proc
}

// StartMPD starts mpd with a generated config (null audio output, a free
// port on 127.0.0.1, database and state in a temp dir, musicDir as its music
// directory), scans musicDir, then starts mpDris2 against it and waits until
// org.mpris.MediaPlayer2.mpd is on the bus. With a nil bus only mpd runs (for
// tests of the MPD protocol alone). Both are killed and waited for when the
// test ends.
func StartMPD(tb testing.TB, bus *Bus, musicDir string) *MPD {
	tb.Helper()
	NeedBinaries(tb, "mpd")
	if bus != nil {
		NeedBinaries(tb, "mpDris2")
	}
	dir := tb.TempDir()
	abs, err := filepath.Abs(musicDir)
	if err != nil {
		tb.Fatal(err)
	}
	m := &MPD{
		MusicDir:  abs,
		BusName:   "org.mpris.MediaPlayer2.mpd",
		Log:       filepath.Join(dir, "mpd.log"),
		BridgeLog: filepath.Join(dir, "mpdris2.log"),
		bus:       bus,
		dir:       dir,
	}
	m.Port = freePort(tb)
	m.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(m.Port))
	conf := filepath.Join(dir, "mpd.conf")
	if err := os.MkdirAll(filepath.Join(dir, "playlists"), 0o755); err != nil {
		tb.Fatal(err)
	}
	text := fmt.Sprintf(`music_directory    %q
playlist_directory %q
db_file            %q
state_file         %q
log_file           %q
bind_to_address    "127.0.0.1"
port               "%d"
auto_update        "no"
zeroconf_enabled   "no"
audio_output {
	type       "null"
	name       "null"
	mixer_type "none"
}
`, abs, filepath.Join(dir, "playlists"), filepath.Join(dir, "db"), filepath.Join(dir, "state"), m.Log, m.Port)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	env := os.Environ()
	if bus != nil {
		env = bus.Env()
	}
	env = append(env, "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	m.mpd = startProc(tb, "mpd", env, filepath.Join(dir, "mpd.out"), "--no-daemon", conf)
	ok := Eventually(PlayerStartTimeout, func() bool {
		if !m.mpd.running() {
			return true
		}
		_, err := MPDCommand(m.Addr, "ping")
		return err == nil
	})
	if !ok || !m.mpd.running() {
		out, _ := os.ReadFile(m.Log)
		out2, _ := os.ReadFile(filepath.Join(dir, "mpd.out"))
		tb.Fatalf("mpd did not answer on %s (running=%v): log:\n%s\n%s", m.Addr, m.mpd.running(), out, out2)
	}
	m.Rescan(tb)
	if bus == nil {
		return m
	}
	m.bridge = startProc(tb, "mpDris2", env, m.BridgeLog,
		"--host", "127.0.0.1", "--port", strconv.Itoa(m.Port), "--music-dir", abs)
	waitBusName(tb, bus, m.bridge, m.BusName, m.BridgeLog)
	return m
}

// Rescan asks mpd to scan its music directory and waits until the scan is
// done, so files written by the test can be added by relative path.
func (m *MPD) Rescan(tb testing.TB) {
	tb.Helper()
	if _, err := MPDCommand(m.Addr, "update"); err != nil {
		tb.Fatalf("mpd update: %v", err)
	}
	WaitFor(tb, PlayerStartTimeout, func() bool {
		st, err := MPDCommand(m.Addr, "status")
		return err == nil && !strings.Contains(st, "updating_db:")
	}, "mpd database update")
}

// KillBridge kills mpDris2 (the MPRIS side vanishes; mpd keeps running).
func (m *MPD) KillBridge() {
	if m.bridge != nil {
		m.bridge.kill()
	}
}

// RestartBridge kills mpDris2 if running and starts it again.
func (m *MPD) RestartBridge(tb testing.TB) {
	tb.Helper()
	if m.bus == nil {
		tb.Fatal("RestartBridge: StartMPD was called without a bus")
	}
	m.KillBridge()
	env := append(m.bus.Env(), "HOME="+m.dir, "XDG_CONFIG_HOME="+filepath.Join(m.dir, "config"))
	m.bridge = startProc(tb, "mpDris2", env, m.BridgeLog,
		"--host", "127.0.0.1", "--port", strconv.Itoa(m.Port), "--music-dir", m.MusicDir)
	waitBusName(tb, m.bus, m.bridge, m.BusName, m.BridgeLog)
}

// MPDCommand sends one raw command to mpd (a fresh connection) and returns
// the response lines before OK. It is deliberately independent of
// internal/mpd so tests can check that client against a second opinion.
func MPDCommand(addr, command string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	greeting, err := r.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("read greeting: %w", err)
	}
	if !strings.HasPrefix(greeting, "OK MPD ") {
		return "", fmt.Errorf("unexpected greeting %q", greeting)
	}
	if _, err := conn.Write([]byte(command + "\n")); err != nil {
		return "", err
	}
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", fmt.Errorf("read reply to %q: %w", command, err)
		}
		switch {
		case line == "OK\n":
			return b.String(), nil
		case strings.HasPrefix(line, "ACK "):
			return "", errors.New(strings.TrimSpace(line))
		}
		b.WriteString(line)
	}
}

// freePort asks the kernel for a free TCP port on 127.0.0.1. Another
// process could take it before mpd binds it; on a test machine that is rare
// and shows up as a clear mpd start failure.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Playerctl runs playerctl with the bus's environment and returns its
// trimmed standard output.
func Playerctl(tb testing.TB, bus *Bus, args ...string) (string, error) {
	tb.Helper()
	NeedBinaries(tb, "playerctl")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "playerctl", args...)
	cmd.Env = bus.Env()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return strings.TrimSpace(string(out)), fmt.Errorf("playerctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}
