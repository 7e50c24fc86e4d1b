package footprint_test

// TestFootprint is `make footprint`. It is a test gated by an environment
// variable rather than a command because it needs what internal/testenv
// gives tests (a private dbus-daemon with a temporary config, WaitFor) and
// testenv is for tests only; `make compare-sima` runs the same way.
//
// Settings (environment, with defaults):
//
//	CONTINUO_FOOTPRINT=1  run at all
//	FOOTPRINT_BIN         ../../bin (continuod and continuo-emu, from make build)
//	FOOTPRINT_CATALOG     ../../out/full.catalog (make full-catalog); skipped with a note when absent
//	FOOTPRINT_STARTS      10 starts per process
//	FOOTPRINT_CALLS       1000 sequential Recommend calls after each start
//	FOOTPRINT_CLIENTS     50 concurrent D-Bus clients ...
//	FOOTPRINT_LOAD        60s ... for this long, once per catalog
//	FOOTPRINT_TRACKS      100 tracks played in the flash-write drive
//	FOOTPRINT_SPEED       600 emulator speed (virtual seconds per second)

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	_ "github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/config"
	"github.com/continuo/continuo/internal/footprint"
	"github.com/continuo/continuo/internal/testenv"
)

const (
	floorName = "org.continuo.FootprintFloor"
	// deadline bounds every single wait: a start, a call, a stop.
	deadline = 60 * time.Second
)

type settings struct {
	bin, catalog                   string
	starts, calls, clients, tracks int
	load                           time.Duration
	speed                          float64
}

func loadSettings(t *testing.T) settings {
	t.Helper()
	str := func(k, def string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return def
	}
	num := func(k string, def, hi int) int {
		n, err := strconv.Atoi(str(k, strconv.Itoa(def)))
		require.NoError(t, err, k)
		require.True(t, n >= 1 && n <= hi, "%s=%d: want 1..%d", k, n, hi)
		return n
	}
	load, err := time.ParseDuration(str("FOOTPRINT_LOAD", "60s"))
	require.NoError(t, err, "FOOTPRINT_LOAD")
	require.True(t, load > 0 && load <= 10*time.Minute, "FOOTPRINT_LOAD=%v: want 0 < load <= 10m", load)
	speed, err := strconv.ParseFloat(str("FOOTPRINT_SPEED", "600"), 64)
	require.NoError(t, err, "FOOTPRINT_SPEED")
	bin, err := filepath.Abs(str("FOOTPRINT_BIN", "../../bin"))
	require.NoError(t, err)
	cat, err := filepath.Abs(str("FOOTPRINT_CATALOG", "../../out/full.catalog"))
	require.NoError(t, err)
	return settings{
		bin: bin, catalog: cat,
		starts: num("FOOTPRINT_STARTS", 10, 100), calls: num("FOOTPRINT_CALLS", 1000, 100_000),
		clients: num("FOOTPRINT_CLIENTS", 50, 500), tracks: num("FOOTPRINT_TRACKS", 100, 10_000),
		load: load, speed: speed,
	}
}

func TestFootprint(t *testing.T) {
	if os.Getenv("CONTINUO_FOOTPRINT") == "" {
		t.Skip("set CONTINUO_FOOTPRINT=1 (make footprint) to measure")
	}
	s := loadSettings(t)
	began, load0 := time.Now().UTC(), loadAvg()
	for _, b := range []string{"continuod", "continuo-emu"} {
		_, err := os.Stat(filepath.Join(s.bin, b))
		require.NoError(t, err, "run make build first")
	}
	h := newHarness(t, s)
	floorBin := filepath.Join(t.TempDir(), "floor")
	out, err := exec.Command("go", "build", "-o", floorBin, "./floor").CombinedOutput()
	require.NoError(t, err, "build floor: %s", out)

	rows := []row{h.measureStarts(t, "floor (Go, takes a bus name)", floorName, floorBin, floorName)}
	rows = append(rows, h.measureDaemon(t, "embedded default"))
	var reloads []uint64
	if _, err := os.Stat(s.catalog); err == nil {
		evict(t, s.catalog)
		rows = append(rows, h.measureDaemon(t, "full snapshot", "--catalog", s.catalog))
		reloads = h.measureReloads(t, "--catalog", s.catalog)
	} else {
		fmt.Printf("full snapshot %s missing (make full-catalog): not measured\n", s.catalog)
	}
	w := h.measureWrites(t)
	printReport(s, rows, w, began, load0, loadAvg())
	if len(reloads) > 0 {
		fmt.Printf("\nSIGHUP reloads of the full snapshot, each followed by %d sequential calls: RSS after the calls", s.calls)
		for i, r := range reloads {
			fmt.Printf("%s %s", map[bool]string{true: "", false: " →"}[i == 0], footprint.MB(r))
		}
		fmt.Println(" (first figure before any reload)")
	}
}

// reloads is how many times measureReloads sends SIGHUP.
const reloads = 3

// measureReloads starts continuod once, makes s.calls sequential calls,
// then reloads it (SIGHUP) `reloads` times with s.calls calls after each,
// and returns the RSS after each round of calls. A reload is done when the
// daemon tells systemd READY=1 after RELOADING=1: the harness plays the
// service manager's notify socket (sd_notify(3)).
func (h *harness) measureReloads(t *testing.T, extra ...string) []uint64 {
	sock := filepath.Join(h.dir, "notify.sock")
	_ = os.Remove(sock)
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	require.NoError(t, err)
	defer conn.Close()
	notes := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(notes)
				return // closed when the measurement ends
			}
			notes <- string(buf[:n])
		}
	}()
	waitNote := func(want string) {
		timeout := time.NewTimer(deadline)
		defer timeout.Stop()
		for {
			select {
			case n := <-notes:
				if strings.Contains(n, want) {
					return
				}
			case <-timeout.C:
				t.Fatalf("continuod did not notify %s within %v", want, deadline)
			}
		}
	}
	p := h.startEnv(t, []string{"NOTIFY_SOCKET=" + sock}, busapi.BusName, filepath.Join(h.s.bin, "continuod"), h.daemonArgs(extra...)...)
	defer h.stop(t, p)
	waitNote("READY=1")
	seeds := h.seeds(t)
	obj := h.client.Object(busapi.BusName, busapi.Path)
	var rss []uint64
	for i := 0; ; i++ {
		for c := range h.s.calls {
			_, err := recommend(obj, seeds[c%len(seeds)])
			require.NoError(t, err, "Recommend")
		}
		r, err := footprint.RSS(p.cmd.Process.Pid)
		require.NoError(t, err)
		rss = append(rss, r)
		if i == reloads {
			return rss
		}
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGHUP))
		waitNote("RELOADING=1")
		waitNote("READY=1")
	}
}

// harness is the private bus, a connection that watches bus names, and a
// client connection for calls.
type harness struct {
	s      settings
	bus    *testenv.Bus
	client *dbus.Conn
	owners chan *dbus.Signal
	dir    string
}

func newHarness(t *testing.T, s settings) *harness {
	bus := testenv.StartBus(t)
	watch := bus.Conn(t)
	require.NoError(t, watch.AddMatchSignal(dbus.WithMatchInterface("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged")))
	owners := make(chan *dbus.Signal, 256)
	watch.Signal(owners)
	return &harness{s: s, bus: bus, client: bus.Conn(t), owners: owners, dir: t.TempDir()}
}

// proc is a started child and the channel its Wait result arrives on (the
// goroutine that waits is owned by stop, which always drains it).
type proc struct {
	cmd     *exec.Cmd
	log     string // the child's stderr
	exited  chan error
	toName  time.Duration
	stopped bool
}

// start runs bin with args on the private bus and returns once it owns
// name, with the time from exec to the NameOwnerChanged signal.
func (h *harness) start(t *testing.T, name, bin string, args ...string) *proc {
	t.Helper()
	return h.startEnv(t, nil, name, bin, args...)
}

// startEnv is start with env added to the child's environment.
func (h *harness) startEnv(t *testing.T, env []string, name, bin string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(h.bus.Env(), env...)
	logf, err := os.Create(filepath.Join(h.dir, filepath.Base(bin)+".log"))
	require.NoError(t, err)
	defer logf.Close()
	cmd.Stderr = logf
	p := &proc{cmd: cmd, log: logf.Name(), exited: make(chan error, 1)}
	t0 := time.Now()
	require.NoError(t, cmd.Start())
	go func() { p.exited <- cmd.Wait() }()
	// A failed assertion between start and stop must not leave the child
	// running.
	t.Cleanup(func() { h.stop(t, p) })
	timeout := time.NewTimer(deadline)
	defer timeout.Stop()
	for {
		select {
		case sig := <-h.owners:
			if len(sig.Body) == 3 && sig.Body[0] == name && sig.Body[2] != "" {
				p.toName = time.Since(t0)
				return p
			}
		case err := <-p.exited:
			p.stopped = true
			t.Fatalf("%s exited before taking %s: %v (log %s)", bin, name, err, logf.Name())
		case <-timeout.C:
			h.stop(t, p)
			t.Fatalf("%s did not take %s within %v", bin, name, deadline)
		}
	}
}

// stop sends SIGTERM and waits for the exit (SIGKILL after the deadline).
// It is idempotent.
func (h *harness) stop(t *testing.T, p *proc) {
	t.Helper()
	if p.stopped {
		return
	}
	p.stopped = true
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(deadline):
		_ = p.cmd.Process.Kill()
		<-p.exited
		t.Errorf("%s ignored SIGTERM for %v", p.cmd.Path, deadline)
	}
}

// row is one process's figures; zero fields were not measured.
type row struct {
	name                  string
	toName                []time.Duration
	cpuName               []time.Duration // the process's CPU time (user + system) at the name
	cpuCall               []time.Duration // per start: CPU time of the sequential calls / calls
	rssName, rssCalls     []uint64
	anonName, fileName    []uint64
	anonCalls, fileCalls  []uint64
	seq                   []time.Duration // sequential Recommend latencies, all starts
	rssIdle, rssLoadMax   uint64
	rssLoadEnd            uint64
	load                  []time.Duration
	loadCalls, loadErrors int
	gc                    []gcDuring // per start: the collections during the sequential calls
}

// gcDuring is what the garbage collector did during one start's
// sequential calls (from its gctrace lines).
type gcDuring struct {
	cycles int
	cpu    time.Duration // summed over the cycles
	live   int           // MB live after the last cycle
}

// atName records the start time, CPU time and memory of a process that
// just took its name.
func (r *row) atName(t *testing.T, p *proc) {
	cpu, err := footprint.CPUTime(p.cmd.Process.Pid)
	require.NoError(t, err)
	m, err := footprint.Memory(p.cmd.Process.Pid)
	require.NoError(t, err)
	r.cpuName = append(r.cpuName, cpu)
	r.toName, r.rssName = append(r.toName, p.toName), append(r.rssName, m.RSS)
	r.anonName, r.fileName = append(r.anonName, m.Anon), append(r.fileName, m.File)
}

func (h *harness) measureStarts(t *testing.T, label, name, bin string, args ...string) row {
	r := row{name: label}
	for range h.s.starts {
		p := h.start(t, name, bin, args...)
		r.atName(t, p)
		h.stop(t, p)
	}
	return r
}

// gcTraceEnv turns the collector's trace on, keeping any other GODEBUG
// setting of the caller (the last GODEBUG in an environment wins).
func gcTraceEnv() string {
	if d := os.Getenv("GODEBUG"); d != "" {
		return "GODEBUG=" + d + ",gctrace=1"
	}
	return "GODEBUG=gctrace=1"
}

// logSize is how much of a child's log has been written.
func logSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Size()
}

// gcSince sums the collections a child's gctrace log reports after offset.
func gcSince(t *testing.T, path string, offset int64) gcDuring {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	cycles, err := footprint.ParseGCTrace(b[min(offset, int64(len(b))):])
	require.NoError(t, err)
	g := gcDuring{cycles: len(cycles)}
	for _, c := range cycles {
		g.cpu += c.CPU
		g.live = c.LiveMB
	}
	return g
}

func (h *harness) daemonArgs(extra ...string) []string {
	db := filepath.Join(h.dir, "history.db")
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		_ = os.Remove(f)
	}
	return append([]string{"--bus", h.bus.Address, "--db", db, "--log-level", "warn"}, extra...)
}

// measureDaemon starts continuod s.starts times; after each start it makes
// s.calls sequential Recommend calls, and after the last one it also runs
// the concurrent load.
func (h *harness) measureDaemon(t *testing.T, label string, extra ...string) row {
	r := row{name: label}
	bin := filepath.Join(h.s.bin, "continuod")
	for i := range h.s.starts {
		// The runtime writes a line per collection to stderr: how often
		// the collector ran during the calls and what it kept.
		p := h.startEnv(t, []string{gcTraceEnv()}, busapi.BusName, bin, h.daemonArgs(extra...)...)
		pid := p.cmd.Process.Pid
		r.atName(t, p)
		seeds := h.seeds(t)
		obj := h.client.Object(busapi.BusName, busapi.Path)
		cpu0, err := footprint.CPUTime(pid)
		require.NoError(t, err)
		log0 := logSize(t, p.log)
		for c := range h.s.calls {
			d, err := recommend(obj, seeds[c%len(seeds)])
			require.NoError(t, err, "Recommend")
			r.seq = append(r.seq, d)
		}
		cpu1, err := footprint.CPUTime(pid)
		require.NoError(t, err)
		r.cpuCall = append(r.cpuCall, (cpu1-cpu0)/time.Duration(h.s.calls))
		r.gc = append(r.gc, gcSince(t, p.log, log0))
		m, err := footprint.Memory(pid)
		require.NoError(t, err)
		rss := m.RSS
		r.rssCalls = append(r.rssCalls, rss)
		r.anonCalls, r.fileCalls = append(r.anonCalls, m.Anon), append(r.fileCalls, m.File)
		if i == h.s.starts-1 {
			r.rssIdle = rss
			h.load(t, &r, pid, seeds)
		}
		h.stop(t, p)
	}
	return r
}

// seeds resolves a few queries to catalog ids, so the calls do not all
// follow one track; "" (no seed: the cold start) when none resolves.
func (h *harness) seeds(t *testing.T) []string {
	obj := h.client.Object(busapi.BusName, busapi.Path)
	var ids []string
	for _, q := range []string{"tchaikovsky swan lake", "bob marley", "daft punk", "miles davis", "taylor swift", "metallica", "buena vista social club", "johnny cash"} {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		var found []map[string]dbus.Variant
		err := obj.CallWithContext(ctx, busapi.Interface+".Resolve", 0, q, uint32(1)).Store(&found)
		cancel()
		if err != nil || len(found) == 0 {
			continue
		}
		if id, ok := found[0]["continuo:id"].Value().(string); ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		t.Logf("no query resolved: Recommend runs without a seed")
		ids = []string{""}
	}
	return ids
}

func recommend(obj dbus.BusObject, seed string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	t0 := time.Now()
	c := obj.CallWithContext(ctx, busapi.Interface+".Recommend", 0, seed, uint32(10), map[string]dbus.Variant{})
	return time.Since(t0), c.Err
}

// load runs s.clients clients, each on its own connection, calling
// Recommend back to back for s.load, while this goroutine samples the
// daemon's RSS twice a second.
func (h *harness) load(t *testing.T, r *row, pid int, seeds []string) {
	ctx, cancel := context.WithTimeout(context.Background(), h.s.load)
	defer cancel()
	lat := make([][]time.Duration, h.s.clients)
	errs := make([]int, h.s.clients)
	var wg sync.WaitGroup
	for c := range h.s.clients {
		conn, err := dbus.Connect(h.bus.Address)
		require.NoError(t, err)
		defer conn.Close()
		obj := conn.Object(busapi.BusName, busapi.Path)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				d, err := recommend(obj, seeds[(c+i)%len(seeds)])
				if err != nil {
					errs[c]++
					continue
				}
				lat[c] = append(lat[c], d)
			}
		}()
	}
	tick := time.NewTicker(500 * time.Millisecond)
	for ctx.Err() == nil {
		select {
		case <-tick.C:
			if rss, err := footprint.RSS(pid); err == nil {
				r.rssLoadMax, r.rssLoadEnd = max(r.rssLoadMax, rss), rss
			}
		case <-ctx.Done():
		}
	}
	tick.Stop()
	wg.Wait()
	for c := range lat {
		r.load = append(r.load, lat[c]...)
		r.loadErrors += errs[c]
	}
	r.loadCalls = len(r.load)
}

// writes is the flash figure of one scripted drive.
type writes struct {
	plays                  int
	drive, lifetime, wchar uint64 // write_bytes during the drive; from exec to exit; wchar during the drive
	cancelled              uint64
	dbBytes                int64
	err                    error
}

// measureWrites starts continuod with the demo config (emu:/// URIs, the
// emulator preferred) on a fresh database, drives s.tracks tracks with
// continuo-emu, and reads write_bytes: of the daemon during the drive from
// /proc/PID/io, and over its whole life (start and the closing checkpoint
// included) from this process's counters around reaping it.
func (h *harness) measureWrites(t *testing.T) writes {
	script := filepath.Join(h.dir, "footprint.drive")
	require.NoError(t, os.WriteFile(script, []byte(fmt.Sprintf("profile footprint\nmood off\nkids off\nask \"swan lake\"\nlisten %d\n", h.s.tracks)), 0o600))
	cfg, err := filepath.Abs("../../configs/demo.toml")
	require.NoError(t, err)
	db := filepath.Join(h.dir, "history.db")
	self0, err := footprint.ReadIO("self")
	require.NoError(t, err)
	p := h.start(t, busapi.BusName, filepath.Join(h.s.bin, "continuod"), h.daemonArgs("--config", cfg)...)
	pidStr := strconv.Itoa(p.cmd.Process.Pid)
	before, err := footprint.ReadIO(pidStr)
	require.NoError(t, err)

	// A track lasts ~4 virtual minutes: bound the drive at 4× that, plus a minute.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute+time.Duration(float64(h.s.tracks)*4*240/h.s.speed*float64(time.Second)))
	defer cancel()
	emu := exec.CommandContext(ctx, filepath.Join(h.s.bin, "continuo-emu"), "--bus", h.bus.Address,
		"--speed", strconv.FormatFloat(h.s.speed, 'f', -1, 64), "--wait-daemon", "20s", "--script", script, "--log-level", "warn")
	emu.Env = h.bus.Env()
	out, emuErr := emu.CombinedOutput()
	after, err := footprint.ReadIO(pidStr)
	require.NoError(t, err)
	h.stop(t, p)
	self1, err := footprint.ReadIO("self")
	require.NoError(t, err)

	w := writes{drive: after.WriteBytes - before.WriteBytes, wchar: after.WChar - before.WChar,
		cancelled: after.CancelledWriteBytes - before.CancelledWriteBytes, lifetime: self1.WriteBytes - self0.WriteBytes}
	if emuErr != nil {
		w.err = fmt.Errorf("continuo-emu: %v: %s", emuErr, lastLines(out, 5))
	}
	conn, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.QueryRow("SELECT count(*) FROM events").Scan(&w.plays))
	for _, f := range []string{db, db + "-wal"} {
		if st, err := os.Stat(f); err == nil {
			w.dbBytes += st.Size()
		}
	}
	return w
}

func lastLines(b []byte, n int) string {
	lines := 0
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			if lines++; lines > n {
				return string(b[i+1:])
			}
		}
	}
	return string(b)
}

// loadAvg is the first three fields of /proc/loadavg: a busy machine
// inflates every figure, so the report says how busy it was.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func printReport(s settings, rows []row, w writes, began time.Time, load0, load1 string) {
	floor := rows[0]
	fMed, fRSS := footprint.Quantile(floor.toName, 0.5), footprint.Quantile(floor.rssName, 0.5)
	fmt.Printf("\n# continuod footprint, %s (%s, %d CPUs, %s/%s; load average %s at start, %s at end)\n",
		began.Format("2006-01-02 15:04 MST"), runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, load0, load1)
	fmt.Printf("%d starts each; %d sequential Recommend(seed, 10) per start; %d clients for %v once per catalog; ratios are to the floor.\n", s.starts, s.calls, s.clients, s.load)
	fmt.Printf("continuod runs its Go code on %s of %d CPUs.\n\n", daemonProcs(), runtime.NumCPU())
	fmt.Println("CPU is the process's own user + system time (/proc/PID/stat, 10 ms ticks): to the name, and per sequential call; a busy machine inflates wall time, not CPU time.")
	fmt.Println()
	fmt.Println("| process | start → name median (p90) | CPU to name median (max) | RSS at name median (max) | RSS after calls median (max) | Recommend p50 / p99 (1 client) | Recommend CPU per call median | RSS under load max / end (vs idle) | Recommend p50 / p99 under load (calls, errors) |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		med := footprint.Quantile(r.toName, 0.5)
		rss := footprint.Quantile(r.rssName, 0.5)
		line := fmt.Sprintf("| %s | %s (%s) %s | %s (%s) | %s (%s) %s |", r.name,
			footprint.Ms(med), footprint.Ms(footprint.Quantile(r.toName, 0.9)), footprint.Ratio(med, fMed),
			footprint.Ms(footprint.Quantile(r.cpuName, 0.5)), footprint.Ms(footprint.Quantile(r.cpuName, 1)),
			footprint.MB(rss), footprint.MB(footprint.Quantile(r.rssName, 1)), footprint.Ratio(rss, fRSS))
		if len(r.rssCalls) == 0 {
			fmt.Println(line + " – | – | – | – | – |")
			continue
		}
		calls := footprint.Quantile(r.rssCalls, 0.5)
		line += fmt.Sprintf(" %s (%s) %s | %s / %s | %s |", footprint.MB(calls), footprint.MB(footprint.Quantile(r.rssCalls, 1)), footprint.Ratio(calls, fRSS),
			footprint.Ms(footprint.Quantile(r.seq, 0.5)), footprint.Ms(footprint.Quantile(r.seq, 0.99)), footprint.Ms(footprint.Quantile(r.cpuCall, 0.5)))
		line += fmt.Sprintf(" %s / %s (%+.0f %%) | %s / %s (%d, %d) |", footprint.MB(r.rssLoadMax), footprint.MB(r.rssLoadEnd),
			100*(float64(r.rssLoadMax)/float64(r.rssIdle)-1),
			footprint.Ms(footprint.Quantile(r.load, 0.5)), footprint.Ms(footprint.Quantile(r.load, 0.99)), r.loadCalls, r.loadErrors)
		fmt.Println(line)
	}
	fmt.Println("\nRSS median, anonymous (heap, stacks) + file-backed (binary, mapped files), at name / after the calls:")
	for _, r := range rows {
		fmt.Printf("  %-30s %s + %s", r.name, footprint.MB(footprint.Quantile(r.anonName, 0.5)), footprint.MB(footprint.Quantile(r.fileName, 0.5)))
		if len(r.anonCalls) > 0 {
			fmt.Printf(" / %s + %s", footprint.MB(footprint.Quantile(r.anonCalls, 0.5)), footprint.MB(footprint.Quantile(r.fileCalls, 0.5)))
		}
		fmt.Println()
	}
	fmt.Printf("\nGarbage collector during the %d sequential calls (GODEBUG=gctrace=1; its CPU is phase wall time × Ps), median of the starts:\n", s.calls)
	for _, r := range rows {
		if len(r.gc) == 0 {
			continue
		}
		cycles, cpu, live := make([]int64, len(r.gc)), make([]time.Duration, len(r.gc)), make([]int64, len(r.gc))
		for i, g := range r.gc {
			cycles[i], cpu[i], live[i] = int64(g.cycles), g.cpu/time.Duration(s.calls), int64(g.live)
		}
		n := footprint.Quantile(cycles, 0.5)
		if n == 0 {
			fmt.Printf("  %-30s no collection\n", r.name)
			continue
		}
		fmt.Printf("  %-30s %d collections, %s of collector CPU per call, %d MB live after the last\n", r.name,
			n, footprint.Ms(footprint.Quantile(cpu, 0.5)), footprint.Quantile(live, 0.5))
	}
	fmt.Printf("\nFlash: a scripted drive of %d tracks at speed %g (embedded default, demo config), %d plays recorded.\n", s.tracks, s.speed, w.plays)
	if w.err != nil {
		fmt.Printf("  the drive failed (figures cover what was played): %v\n", w.err)
	}
	if w.plays > 0 {
		per := func(b uint64) string { return fmt.Sprintf("%.1f KB", float64(b)/1024/float64(w.plays)) }
		fmt.Printf("  write_bytes during the drive: %s = %s per track played (cancelled_write_bytes %s)\n", footprint.MB(w.drive), per(w.drive), footprint.MB(w.cancelled))
		fmt.Printf("  write_bytes exec → exit (schema, checkpoint at close): %s = %s per track played\n", footprint.MB(w.lifetime), per(w.lifetime))
		fmt.Printf("  database + WAL after exit: %s = %s per track played; wchar during the drive (sockets too) %s\n",
			footprint.MB(uint64(w.dbBytes)), per(uint64(w.dbBytes)), footprint.MB(w.wchar))
	}
}

// daemonProcs says how many CPUs continuod's Go code runs on: the
// environment's GOMAXPROCS, which it inherits and which wins, else its
// default [cpu] setting applied to what the runtime chooses here.
func daemonProcs() string {
	if v := os.Getenv("GOMAXPROCS"); v != "" {
		return v + " (GOMAXPROCS from the environment)"
	}
	return fmt.Sprintf("%d (the default [cpu] procs = 0: one fewer than the CPUs)", config.Default().CPU.GOMAXPROCS(runtime.GOMAXPROCS(0)))
}

// evict drops path's pages from the page cache, as after a power-on, so
// the file-backed RSS does not depend on how the file got into the cache.
// A snapshot just written (make full-catalog) or read with read() sits in
// large folios, and a fault in a mapped large folio maps the pages around
// it however the mapping is advised: on this machine's kernel (6.18) the
// same 1,500 calls on the full catalog left 66.6 MB of the file mapped
// after a cat of it and 55.6-59.5 MB after an eviction (2026-11-30). The
// first start then reads what it touches from the disk.
func evict(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED))
}
