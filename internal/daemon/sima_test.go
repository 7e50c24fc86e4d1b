package daemon_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/mpd"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/player"
	"github.com/continuo/continuo/internal/testenv"
)

// CompareSimaEnv enables TestCompareSima (`make compare-sima`).
const CompareSimaEnv = "CONTINUO_COMPARE_SIMA"

// simaPicks is how many continuations each side queues.
const simaPicks = 10

// TestCompareSima runs mpd-sima's offline Genre plugin and continuod side by
// side on the same generated, tagged MPD library and the same seeds, each on
// an mpd of its own, and prints both queues with their genre families and
// their coherence: the share of picks in the seed's family. It is not part
// of `make test` (it needs mpd-sima and takes a minute):
//
//	CONTINUO_COMPARE_SIMA=1 go test -count=1 -run TestCompareSima -v ./internal/daemon/
func TestCompareSima(t *testing.T) {
	if os.Getenv(CompareSimaEnv) == "" {
		t.Skipf("set %s=1 to compare with mpd-sima (make compare-sima)", CompareSimaEnv)
	}
	testenv.NeedBinaries(t, "mpd-sima", "mpd", "mpDris2", "sox")

	rows := mixedRows(t, 300, 0.3)
	c := defaultCatalog(t)
	mixed := mixedArtistSeed(t)
	rows = append(rows, artistRows(c, c.Artist[mixed])...)
	lib := newLibrary(t, rows, 12, true)
	few := newLibrary(t, fewArtistRows(t), 12, true)

	seeds := []struct {
		name string
		lib  *library
		seed music.TrackID
		// cold: the seed already plays when continuod or mpd-sima starts,
		// so neither has it in its history.
		cold bool
	}{
		{"classical seed (Swan Lake)", lib, seedID(t), false},
		{"artist with mixed genres (" + c.PrimaryArtist(mixed) + ")", lib, c.ID(mixed), false},
		{"cold start (Swan Lake already playing)", lib, seedID(t), true},
		{"library of few artists (Tchaikovsky, Mozart, Metallica)", few, seedID(t), false},
	}
	for _, s := range seeds {
		t.Run(s.name, func(t *testing.T) {
			lib, seed := s.lib, s.seed
			ours := continuodQueue(t, lib, seed, s.cold)
			theirs := simaQueue(t, lib, seed, s.cold)
			require.Len(t, ours, simaPicks, "continuod fills its queue")
			fam := lib.family(seed)
			t.Logf("seed: %s", describe(lib, seed))
			for _, side := range []struct {
				name  string
				queue []music.TrackID
			}{{"continuod", ours}, {"mpd-sima 0.18.2 (Genre)", theirs}} {
				in := 0
				var b strings.Builder
				for i, id := range side.queue {
					if lib.family(id) == fam {
						in++
					}
					fmt.Fprintf(&b, "  %2d. %s\n", i+1, describe(lib, id))
				}
				coh := 0.0
				if len(side.queue) > 0 {
					coh = float64(in) / float64(len(side.queue))
				}
				t.Logf("%s: %d picks, coherence %.0f%% (%d in %q)\n%s", side.name, len(side.queue), 100*coh, in, fam, b.String())
			}
		})
	}
}

// describe is "artist — title [family; genres]".
func describe(lib *library, id music.TrackID) string {
	c := lib.model.Catalog
	row, ok := c.Lookup(id)
	if !ok {
		return string(id) + " (not in the catalog)"
	}
	tr := c.Track(row)
	return fmt.Sprintf("%s — %s [%s; %s]", tr.PrimaryArtist(), tr.Title, lib.family(id), strings.Join(tr.Genres, ", "))
}

// mixedArtistSeed is a track of an artist whose tracks span families, from
// the artist's smaller family: where a genre-tag peer drifts, because it
// picks artists by genre and then any of their tracks.
func mixedArtistSeed(tb testing.TB) int {
	tb.Helper()
	c := defaultCatalog(tb)
	classical := familyIndex(tb, c, "classical")
	counts := map[int32]map[uint8][]int{}
	for i := range c.Len() {
		if !safeID.MatchString(string(c.ID(i))) || c.Artists[c.Artist[i]] == "various artists" {
			continue
		}
		a := c.Artist[i]
		if counts[a] == nil {
			counts[a] = map[uint8][]int{}
		}
		counts[a][c.Family[i]] = append(counts[a][c.Family[i]], i)
	}
	best, bestScore := -1, 0
	for _, fams := range counts {
		if len(fams) != 2 {
			continue
		}
		var small, large []int
		var smallFam uint8
		for f, rows := range fams {
			if small == nil || len(rows) < len(small) {
				if small != nil {
					large = small
				}
				small, smallFam = rows, f
			} else {
				large = rows
			}
		}
		if smallFam == classical || len(small) < 4 {
			continue
		}
		if score := min(len(small), len(large)); score > bestScore || (score == bestScore && small[0] < best) {
			best, bestScore = small[0], score
		}
	}
	require.GreaterOrEqual(tb, best, 0, "the catalog has an artist with tracks in two families")
	return best
}

// artistRows are the rows of one artist (with plain ids).
func artistRows(c *catalog.Catalog, artist int32) []int {
	var rows []int
	for i := range c.Len() {
		if c.Artist[i] == artist && safeID.MatchString(string(c.ID(i))) {
			rows = append(rows, i)
		}
	}
	return rows
}

// continuodQueue plays seed through continuod (asked by voice, or already
// playing when it starts: cold) on an mpd of its own and returns the
// simaPicks tracks it queued after it.
func continuodQueue(t *testing.T, lib *library, seed music.TrackID, cold bool) []music.TrackID {
	bus := testenv.StartBus(t)
	srv := testenv.StartMPD(t, bus, lib.dir)
	c := mpd.New(srv.Addr, mpd.Options{Timeout: deadline})
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	if cold {
		id, err := c.AddID(ctx, string(seed)+".ogg", -1)
		require.NoError(t, err)
		require.NoError(t, c.PlayID(ctx, id))
	}
	e := startDaemonOn(t, daemonConfig{bus: bus, model: lib.model, preferred: []string{"mpd"}, depth: simaPicks,
		players: player.Config{MPDAddr: map[string]string{"mpd": srv.Addr}, MPDMusicDir: map[string]string{"mpd": lib.dir}}})
	testenv.WaitFor(t, deadline, func() bool { return e.core.State().ActivePlayer == srv.BusName }, "continuod follows mpd")
	if !cold {
		tr := lib.model.Catalog.Track(mustRow(t, lib.model.Catalog, seed))
		var track map[string]dbus.Variant
		require.NoError(t, e.call("Play", tr.PrimaryArtist()+" "+tr.Title).Store(&track))
		require.Equal(t, string(seed), track["continuo:id"].Value(), "Play finds the seed")
	}
	rp := mpdPlayer{c}
	var ahead []music.TrackID
	testenv.WaitFor(t, deadline, func() bool {
		var cur music.TrackID
		var err error
		cur, ahead, err = rp.queue(ctx)
		return err == nil && cur == seed && len(ahead) >= simaPicks
	}, "continuod queues %d tracks", simaPicks)
	return ahead
}

// simaQueue starts mpd-sima (Genre plugin only, offline) on an mpd of its
// own, plays seed there (before mpd-sima starts when cold) and returns what
// mpd-sima queued after it.
func simaQueue(t *testing.T, lib *library, seed music.TrackID, cold bool) []music.TrackID {
	srv := testenv.StartMPD(t, nil, lib.dir)
	play := func() {
		_, err := testenv.MPDCommand(srv.Addr, fmt.Sprintf("add %q", string(seed)+".ogg"))
		require.NoError(t, err)
		_, err = testenv.MPDCommand(srv.Addr, "play 0")
		require.NoError(t, err)
	}
	if cold {
		play()
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "sima.cfg")
	text := fmt.Sprintf(`[MPD]
host = 127.0.0.1
port = %d
[sima]
internal = Crop, Genre
contrib =
musicbrainzid = False
queue_length = %d
var_dir = %s
[log]
verbosity = info
[crop]
consume = 100
[genre]
queue_mode = track
track_to_add = %d
`, srv.Port, simaPicks, dir, simaPicks)
	require.NoError(t, os.WriteFile(conf, []byte(text), 0o600))
	logPath := filepath.Join(dir, "sima.log")
	logf, err := os.Create(logPath)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "mpd-sima", "--config", conf, "--var-dir", dir)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); _ = logf.Close(); close(exited) }()
	t.Cleanup(func() { cancel(); <-exited })

	// mpd-sima learns the seed's genre when it sees the song change, so in
	// the warm case it must be connected before the seed starts.
	testenv.WaitFor(t, deadline, func() bool {
		out, _ := os.ReadFile(logPath)
		return strings.Contains(string(out), "onnect")
	}, "mpd-sima connects")
	if !cold {
		play()
	}

	c := mpd.New(srv.Addr, mpd.Options{Timeout: deadline})
	t.Cleanup(func() { _ = c.Close() })
	rp := mpdPlayer{c}
	var ahead []music.TrackID
	ok := testenv.Eventually(30*time.Second, func() bool {
		var err error
		_, ahead, err = rp.queue(context.Background())
		return err == nil && len(ahead) >= simaPicks
	})
	if !ok {
		out, _ := os.ReadFile(logPath)
		t.Logf("mpd-sima queued %d of %d tracks; its log:\n%s", len(ahead), simaPicks, out)
	}
	return ahead
}
