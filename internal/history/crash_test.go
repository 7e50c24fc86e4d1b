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

// The crash test: a child process (this test binary, re-executed) writes
// as fast as it can from several goroutines, playback mixed with the
// driver's judgements as in a drive: completed plays (Record), skips of the
// playing track (Skip: the play and the skip feedback as one record) and
// likes (Feedback), and prints each write the moment it is acknowledged.
// The parent SIGKILLs the child at random moments, then checks the file:
// integrity_check must say "ok", every acknowledged play, skip and like
// must be there, and no acknowledged skip may have become "completed" or
// lost its feedback row. SIGKILL does not lose
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
				op, id, title, err := crashWrite(s, pid, w, n)
				if err != nil {
					fmt.Fprintln(os.Stderr, op+":", err)
					os.Exit(3)
				}
				mu.Lock()
				// os.Stdout is unbuffered: one write(2) per ack.
				fmt.Fprintf(os.Stdout, "%s %d %s\n", op, id, title)
				mu.Unlock()
			}
		}()
	}
	select {} // until killed
}

// crashWrite does the child's n-th write: half of them completed plays, a
// quarter skips of the playing track, a quarter likes. The title (for a
// like, the track id) is unique, so the parent can find the write again.
func crashWrite(s *Store, pid, w, n int) (op string, id int64, title string, err error) {
	ctx := context.Background()
	title = fmt.Sprintf("crash-%d-%d-%d", pid, w, n)
	ev := music.PlayEvent{Profile: fmt.Sprintf("p%d", w%2), TrackID: music.TrackID(title),
		Title: title, Artist: "a", StartedAt: time.Now(), PositionMS: 60000, DurationMS: 200000, Outcome: music.OutcomeCompleted}
	switch n % 4 {
	case 1:
		id, err = s.Skip(ctx, ev, time.Now())
		return crashSkip, id, title, err
	case 3:
		err = s.Feedback(ctx, music.Feedback{Profile: ev.Profile, TrackID: ev.TrackID, Kind: music.Like, At: time.Now()})
		return crashLike, 0, title, err
	}
	id, err = s.Record(ctx, ev)
	return crashPlay, id, title, err
}

// What the child acknowledged, as it prints it.
const (
	crashPlay = "play"
	crashSkip = "skip"
	crashLike = "like"
)

// crashAcks are the writes acknowledged so far: plays and skips by event
// id, likes by track id.
type crashAcks struct {
	events map[int64]crashEvent
	likes  map[string]bool
}

type crashEvent struct{ op, title string }

func newCrashAcks() *crashAcks {
	return &crashAcks{events: map[int64]crashEvent{}, likes: map[string]bool{}}
}

// add takes one line of the child's output; other lines (the test
// framework's own) are ignored.
func (a *crashAcks) add(line string) {
	f := strings.Fields(line)
	if len(f) != 3 || !strings.HasPrefix(f[2], "crash-") {
		return
	}
	id, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return
	}
	switch f[0] {
	case crashPlay, crashSkip:
		a.events[id] = crashEvent{op: f[0], title: f[2]}
	case crashLike:
		a.likes[f[2]] = true
	}
}

func (a *crashAcks) merge(b *crashAcks) {
	for id, ev := range b.events {
		a.events[id] = ev
	}
	for track := range b.likes {
		a.likes[track] = true
	}
}

func (a *crashAcks) len() int { return len(a.events) + len(a.likes) }

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
	acked := newCrashAcks()
	start := time.Now()
	earlyKills := 0
	for k := range kills {
		acks, early := crashOnce(t, rng, path)
		if early {
			earlyKills++
		}
		acked.merge(acks)
		verifyCrashDB(t, path, acked, k)
	}
	skips := 0
	for _, ev := range acked.events {
		if ev.op == crashSkip {
			skips++
		}
	}
	t.Logf("%d kills (%d during start-up), %d acknowledged writes (%d plays, %d skips, %d likes), all present, integrity ok, in %v",
		kills, earlyKills, acked.len(), len(acked.events)-skips, skips, len(acked.likes), time.Since(start).Round(time.Millisecond))
}

// crashOnce runs one child and kills it; it returns the acks it printed.
func crashOnce(t *testing.T, rng *rand.Rand, path string) (*crashAcks, bool) {
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

	acks := newCrashAcks()
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
			acks.add(line)
			if killAt == nil && acks.len() >= wantAcks {
				// Fault injection, not synchronisation: kill after a
				// random delay while the child keeps writing.
				killAt = time.After(time.Duration(rng.IntN(3000)) * time.Microsecond)
			}
		case <-killAt:
			break wait
		case <-deadline:
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("child produced %d acks in 30 s: %s", acks.len(), stderr.String())
		}
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	// Everything printed before the kill is acknowledged: read it all.
	for line := range lines {
		acks.add(line)
	}
	_ = cmd.Wait()
	return acks, early
}

func verifyCrashDB(t *testing.T, path string, acked *crashAcks, kill int) {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		require.Zero(t, acked.len(), "kill %d: no database file but acknowledged writes", kill)
		return
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	require.NoError(t, err)
	defer db.Close()
	var res string
	require.NoError(t, db.QueryRow("PRAGMA integrity_check").Scan(&res), "kill %d", kill)
	require.Equal(t, "ok", res, "kill %d: integrity_check", kill)
	if acked.len() == 0 {
		return
	}
	type stored struct{ title, outcome string }
	events := map[int64]stored{}
	scan(t, db, "SELECT id, title, outcome FROM events", func(rows *sql.Rows) error {
		var id int64
		var ev stored
		err := rows.Scan(&id, &ev.title, &ev.outcome)
		events[id] = ev
		return err
	})
	feedback := map[string]string{} // track id -> kind
	scan(t, db, "SELECT track_id, kind FROM feedback", func(rows *sql.Rows) error {
		var track, kind string
		err := rows.Scan(&track, &kind)
		feedback[track] = kind
		return err
	})
	var missing, completedSkips, lostFeedback int
	for id, ev := range acked.events {
		got, ok := events[id]
		switch {
		case !ok || got.title != ev.title:
			missing++
		case ev.op == crashSkip && got.outcome != string(music.OutcomeSkipped):
			completedSkips++
		case ev.op == crashSkip && feedback[ev.title] != string(music.Skip):
			lostFeedback++
		}
	}
	for track := range acked.likes {
		if feedback[track] != string(music.Like) {
			missing++
		}
	}
	require.Zero(t, missing, "kill %d: %d of %d acknowledged writes missing or changed", kill, missing, acked.len())
	require.Zero(t, completedSkips, "kill %d: acknowledged skips stored with another outcome", kill)
	require.Zero(t, lostFeedback, "kill %d: acknowledged skips without their feedback row", kill)
}

func scan(t *testing.T, db *sql.DB, query string, row func(*sql.Rows) error) {
	t.Helper()
	rows, err := db.Query(query)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		require.NoError(t, row(rows))
	}
	require.NoError(t, rows.Err())
}
