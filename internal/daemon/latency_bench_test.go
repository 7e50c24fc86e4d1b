package daemon_test

import (
	"bufio"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/mpris"
	"github.com/continuo/continuo/internal/player"
	"github.com/continuo/continuo/internal/testenv"
)

// BenchmarkQueueLatencyMPD measures continuod's queue latency on mpd +
// mpDris2 with a 200- and a 2,000-track library: from the moment the
// track-change PropertiesChanged (new Metadata) is seen on the bus by a
// separate connection, to the moment MPD reports its queue grew (`idle
// playlist` on a separate MPD connection). In between: the daemon's MPRIS
// client, recording the finished play in SQLite, the engine, and MPD's
// addid. Each iteration skips to the next queued track with MPD's `next`
// and, once the queue has grown, waits for continuod's Played signal (the
// history write, done after the refill), so every change meets an idle
// daemon as a real one minutes after the last would. Metrics: p50, p99 and
// max in ms, and "early": changes where mpd's queue grew before the
// observer saw the signal (counted as 0 ms).
//
// The peer figure (docs: mpris-players.md): mpd-sima 0.18.2 refills a median
// 14 ms, worst 207 ms, after a song change on 200–2,000 tracks.
//
//	go test -run '^$' -bench QueueLatencyMPD -benchtime 200x ./internal/daemon/
func BenchmarkQueueLatencyMPD(b *testing.B) {
	for _, n := range []int{200, 2000} {
		// Set up once per size: the sub-benchmark's function runs again for
		// every b.N, and scanning 2,000 files each time would dominate.
		rig := startLatencyRig(b, n)
		b.Run(fmt.Sprintf("tracks=%d", n), func(b *testing.B) { rig.run(b, true) })
	}
}

// BenchmarkQueueLatencyMPDRapidSkips is the same without waiting for the
// daemon to be idle: the driver presses Next as soon as the queue has grown,
// so a change often arrives while the previous play is still being written
// to history (an fsync), which then adds to the latency.
func BenchmarkQueueLatencyMPDRapidSkips(b *testing.B) {
	rig := startLatencyRig(b, 2000)
	b.Run("tracks=2000", func(b *testing.B) { rig.run(b, false) })
}

type latencyRig struct {
	mpdAddr  string
	changes  chan time.Time // a new track was signalled on the bus
	playlist chan time.Time // MPD's queue changed
	played   chan time.Time // continuod recorded a play (its Played signal)
}

func startLatencyRig(b *testing.B, n int) *latencyRig {
	lib := newLibrary(b, mixedRows(b, n, 0.3), 120, false)
	bus := testenv.StartBus(b)
	srv := testenv.StartMPD(b, bus, lib.dir)
	e := startDaemonOn(b, daemonConfig{bus: bus, model: lib.model, preferred: []string{"mpd"}, depth: depth,
		players: player.Config{MPDAddr: map[string]string{"mpd": srv.Addr}, MPDMusicDir: map[string]string{"mpd": lib.dir}}})
	testenv.WaitFor(b, deadline, func() bool { return e.core.State().ActivePlayer == srv.BusName }, "continuod follows mpd")

	r := &latencyRig{mpdAddr: srv.Addr, changes: make(chan time.Time, 1024), playlist: make(chan time.Time, 1024),
		played: make(chan time.Time, 1024)}
	r.watchTracks(b, bus)
	r.watchPlaylist(b)
	if c := e.call("Play", seedQuery); c.Err != nil {
		b.Fatalf("Play: %v", c.Err)
	}
	testenv.WaitFor(b, deadline, func() bool { return len(e.queueIDs()) == depth }, "the first continuation is queued")
	return r
}

// watchTracks timestamps every change of mpd's trackid as signalled on the
// bus (mpDris2 repeats identical Metadata; repeats are not changes).
func (r *latencyRig) watchTracks(b *testing.B, bus *testenv.Bus) {
	conn := bus.Conn(b)
	sigs := make(chan *dbus.Signal, 256)
	conn.Signal(sigs)
	if err := conn.AddMatchSignal(dbus.WithMatchObjectPath("/org/mpris/MediaPlayer2"),
		dbus.WithMatchInterface("org.freedesktop.DBus.Properties"), dbus.WithMatchMember("PropertiesChanged")); err != nil {
		b.Fatal(err)
	}
	if err := conn.AddMatchSignal(dbus.WithMatchInterface(busapi.Interface), dbus.WithMatchMember("Played")); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		last := ""
		for s := range sigs { // closed when conn is closed
			at := time.Now()
			if s.Name == busapi.Interface+".Played" {
				r.played <- at
				continue
			}
			if len(s.Body) < 2 || s.Body[0] != "org.mpris.MediaPlayer2.Player" {
				continue
			}
			changed, _ := s.Body[1].(map[string]dbus.Variant)
			md, ok := changed["Metadata"].Value().(map[string]dbus.Variant)
			if !ok {
				continue
			}
			id := mpris.ParseMetadata(md).TrackID
			if id != "" && id != last {
				last = id
				r.changes <- at
			}
		}
	}()
	b.Cleanup(func() { _ = conn.Close(); <-done })
}

// watchPlaylist timestamps every "changed: playlist" of MPD's idle on a
// connection of its own.
func (r *latencyRig) watchPlaylist(b *testing.B) {
	conn, err := net.DialTimeout("tcp", r.mpdAddr, 5*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	rd := bufio.NewReader(conn)
	if _, err := rd.ReadString('\n'); err != nil { // greeting
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := conn.Write([]byte("idle playlist\n")); err != nil {
				return
			}
			for {
				line, err := rd.ReadString('\n')
				if err != nil {
					return // closed by Cleanup
				}
				if line == "changed: playlist\n" {
					r.playlist <- time.Now()
				}
				if line == "OK\n" || strings.HasPrefix(line, "ACK") {
					break
				}
			}
		}
	}()
	b.Cleanup(func() { _ = conn.Close(); <-done })
}

func (r *latencyRig) run(b *testing.B, paced bool) {
	lat := make([]time.Duration, 0, b.N)
	early := 0
	b.ResetTimer()
	for range b.N {
		drain(r.changes)
		drain(r.playlist)
		drain(r.played)
		if _, err := testenv.MPDCommand(r.mpdAddr, "next"); err != nil {
			b.Fatalf("mpd next: %v", err)
		}
		t0 := waitTime(b, r.changes, "the track change on the bus")
		t1 := waitTime(b, r.playlist, "mpd's queue to grow")
		lat = append(lat, max(t1.Sub(t0), 0))
		if t1.Before(t0) {
			early++
		}
		// The finished play is written to history after the refill; wait
		// for it, so that every iteration starts from an idle daemon like a
		// real track change minutes after the last one.
		if paced {
			waitTime(b, r.played, "continuod's Played signal")
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(float64(early), "early")
}

func drain(c chan time.Time) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

func waitTime(b *testing.B, c chan time.Time, what string) time.Time {
	select {
	case t := <-c:
		return t
	case <-time.After(deadline):
		b.Fatalf("timed out waiting for %s", what)
		return time.Time{}
	}
}
