package history

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

// The crash test: a child process (this test binary, re-executed) records
// events as fast as it can from several goroutines and prints the id of
// each event the moment Record acknowledges it. The parent SIGKILLs the
// child at random moments, then checks the file: integrity_check must say
// "ok" and every acknowledged event must be there. SIGKILL does not lose
// what reached the OS page cache, so this proves the commit protocol
// (WAL, batches, acks after commit), not the fsync; synchronous=FULL
// covers the power cut on top of it (see the package doc).
//
// CONTINUO_CRASH_KILLS overrides the number of kills (default 200, 20 with
// -short), e.g. CONTINUO_CRASH_KILLS=1000 go test -run TestCrashDurability.
const (
	crashChildEnv = "CONTINUO_CRASH_CHILD"
	crashDBEnv    = "CONTINUO_CRASH_DB"
	crashKillsEnv = "CONTINUO_CRASH_KILLS"
	crashWriters  = 4
)

// TestCrashChild is the child side; it only runs when re-executed by
// TestCrashDurability.
func TestCrashChild(t *testing.T) {
	if os.Getenv(crashChildEnv) != "1" {
		t.Skip("helper process for TestCrashDurability")
	}
	// If the parent dies, do not write forever.
	time.AfterFunc(2*time.Minute, func() { os.Exit(4) })
	s, err := Open(context.Background(), Options{Path: os.Getenv(crashDBEnv), MaxEventsPerProfile: 1 << 30})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	pid := os.Getpid()
	for w := range crashWriters {
		go func() {
			for n := 0; ; n++ {
				title := fmt.Sprintf("crash-%d-%d-%d", pid, w, n)
				ev := music.PlayEvent{Profile: fmt.Sprintf("p%d", w%2), TrackID: music.TrackID(fmt.Sprintf("t%d", n%50)),
					Title: title, Artist: "a", StartedAt: time.Now(), PositionMS: 1, DurationMS: 2, Outcome: music.OutcomeCompleted}
				id, err := s.Record(context.Background(), ev)
				if err != nil {
					fmt.Fprintln(os.Stderr, "record:", err)
					os.Exit(3)
				}
				mu.Lock()
				// os.Stdout is unbuffered: one write(2) per ack.
				fmt.Fprintf(os.Stdout, "%d %s\n", id, title)
				mu.Unlock()
			}
		}()
	}
	select {} // until killed
}

func TestCrashDurability(t *testing.T) {
	kills := 200
	if testing.Short() {
		kills = 20
	}
	if v := os.Getenv(crashKillsEnv); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, crashKillsEnv)
		kills = n
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d kills", seed, kills)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	path := filepath.Join(t.TempDir(), "crash.db")
	acked := map[int64]string{}
	start := time.Now()
	earlyKills := 0
	for k := range kills {
		ids, early := crashOnce(t, rng, path)
		if early {
			earlyKills++
		}
		for id, title := range ids {
			acked[id] = title
		}
		verifyCrashDB(t, path, acked, k)
	}
	t.Logf("%d kills (%d during start-up), %d acknowledged events, all present, integrity ok, in %v",
		kills, earlyKills, len(acked), time.Since(start).Round(time.Millisecond))
}

// crashOnce runs one child and kills it; it returns the acks it printed.
func crashOnce(t *testing.T, rng *rand.Rand, path string) (map[int64]string, bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1", crashDBEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()

	acks := map[int64]string{}
	addAck := func(line string) {
		idStr, title, ok := strings.Cut(line, " ")
		id, err := strconv.ParseInt(idStr, 10, 64)
		if !ok || err != nil || !strings.HasPrefix(title, "crash-") {
			return // the test framework's own output
		}
		acks[id] = title
	}
	// One kill in ten lands at a random moment of start-up (open, migration,
	// initial prune); the others after a random number of acks plus a
	// random delay, i.e. in the middle of batches and commits.
	early := rng.IntN(10) == 0
	var killAt <-chan time.Time
	wantAcks := 0
	if early {
		killAt = time.After(time.Duration(rng.IntN(40)) * time.Millisecond)
	} else {
		wantAcks = 1 + rng.IntN(60)
	}
	deadline := time.After(30 * time.Second)
wait:
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("child exited before it was killed: %s", stderr.String())
			}
			addAck(line)
			if killAt == nil && len(acks) >= wantAcks {
				// Fault injection, not synchronisation: kill after a
				// random delay while the child keeps writing.
				killAt = time.After(time.Duration(rng.IntN(3000)) * time.Microsecond)
			}
		case <-killAt:
			break wait
		case <-deadline:
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("child produced %d acks in 30 s: %s", len(acks), stderr.String())
		}
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	// Everything printed before the kill is acknowledged: read it all.
	for line := range lines {
		addAck(line)
	}
	_ = cmd.Wait()
	return acks, early
}

func verifyCrashDB(t *testing.T, path string, acked map[int64]string, kill int) {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		require.Empty(t, acked, "kill %d: no database file but acknowledged events", kill)
		return
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	require.NoError(t, err)
	defer db.Close()
	var res string
	require.NoError(t, db.QueryRow("PRAGMA integrity_check").Scan(&res), "kill %d", kill)
	require.Equal(t, "ok", res, "kill %d: integrity_check", kill)
	if len(acked) == 0 {
		return
	}
	rows, err := db.Query("SELECT id, title FROM events")
	require.NoError(t, err, "kill %d", kill)
	stored := make(map[int64]string, len(acked))
	for rows.Next() {
		var id int64
		var title string
		require.NoError(t, rows.Scan(&id, &title))
		stored[id] = title
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	missing := 0
	for id, title := range acked {
		if stored[id] != title {
			missing++
		}
	}
	require.Zero(t, missing, "kill %d: %d of %d acknowledged events missing or changed", kill, missing, len(acked))
}
