package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/testenv"
)

// TestSIGHUPSwapsCatalog: SIGHUP loads the configured snapshot and then
// publishes it at once. Clients calling Recommend without pause across the
// swap all get answers, first from the old catalog, then from the new one;
// a damaged snapshot is refused with a log line and the catalog in use
// keeps answering.
func TestSIGHUPSwapsCatalog(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	dir := t.TempDir()
	// Two catalogs with no track in common, and a file that is not one.
	snaps := map[string][]int{"a.snap": rowRange(0, 3000), "b.snap": rowRange(3000, 6000)}
	ids := map[string]map[string]bool{}
	for name, rows := range snaps {
		c := def.Subset(rows)
		require.NoError(t, catalog.WriteSnapshot(filepath.Join(dir, name), c))
		ids[name] = map[string]bool{}
		for i := range c.Len() {
			tr := c.Track(i)
			ids[name][string(tr.ID)] = true
		}
	}
	bad := filepath.Join(dir, "bad.snap")
	require.NoError(t, os.WriteFile(bad, []byte("CONTCAT\x00 not a snapshot"), 0o600))
	cfgPath := filepath.Join(dir, "continuo.toml")
	useCatalog := func(path string) {
		cfg := fmt.Sprintf("[catalog]\npath = %q\nuri_template = \"emu:///{id}\"\n[log]\nlevel = \"info\"\nformat = \"json\"\n", path)
		require.NoError(t, os.WriteFile(cfgPath, []byte(cfg), 0o600))
	}
	useCatalog(filepath.Join(dir, "a.snap"))

	bus := testenv.StartBus(t)
	p := startProcess(t, bus, "--config", cfgPath, "--bus", bus.Address, "--db", filepath.Join(dir, "history.db"))
	conn := bus.Conn(t)
	testenv.WaitFor(t, 30*time.Second, func() bool { _, ok := hasOwner(conn); return ok }, "continuod acquires %s", busapi.BusName)

	// from reports which catalog all of a list's tracks come from.
	from := func(list []map[string]dbus.Variant) string {
		for name, set := range ids {
			all := len(list) > 0
			for _, d := range list {
				id, _ := d["continuo:id"].Value().(string)
				all = all && set[id]
			}
			if all {
				return name
			}
		}
		return "mixed"
	}
	recommend := func(conn *dbus.Conn) ([]map[string]dbus.Variant, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var out []map[string]dbus.Variant
		err := conn.Object(busapi.BusName, busapi.Path).CallWithContext(ctx, busapi.Interface+".Recommend", 0,
			"", uint32(5), map[string]dbus.Variant{}).Store(&out)
		return out, err
	}
	list, err := recommend(conn)
	require.NoError(t, err)
	require.Equal(t, "a.snap", from(list))

	// Clients call until each has seen the new catalog answer.
	const clients = 4
	type result struct {
		seen  map[string]int
		calls int
		err   error
	}
	results := make(chan result, clients)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range clients {
		c := bus.Conn(t)
		wg.Go(func() {
			r := result{seen: map[string]int{}}
			defer func() { results <- r }()
			for r.seen["b.snap"] == 0 {
				select {
				case <-stop:
					return
				default:
				}
				list, err := recommend(c)
				r.calls++
				if err != nil {
					r.err = err
					return
				}
				r.seen[from(list)]++
			}
		})
	}
	useCatalog(filepath.Join(dir, "b.snap"))
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGHUP))
	testenv.WaitFor(t, 60*time.Second, func() bool {
		list, err := recommend(conn)
		return err == nil && from(list) == "b.snap"
	}, "the new catalog answers after SIGHUP")
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		close(stop)
		<-done
		t.Fatal("clients did not see the new catalog")
	}
	close(results)
	for r := range results {
		require.NoError(t, r.err, "a Recommend during the swap failed")
		assert.Zero(t, r.seen["mixed"], "a list mixed two catalogs: %v", r.seen)
		assert.Positive(t, r.seen["b.snap"], "calls %d: %v", r.calls, r.seen)
	}

	// A damaged snapshot: refused, logged, the running catalog kept.
	useCatalog(bad)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGHUP))
	testenv.WaitFor(t, 30*time.Second, func() bool { return strings.Contains(p.stderr.String(), "reload failed") },
		"the bad snapshot is refused with a log line")
	assert.Contains(t, p.stderr.String(), "bad.snap", "the log line names the file")
	list, err = recommend(conn)
	require.NoError(t, err)
	assert.Equal(t, "b.snap", from(list), "the running catalog keeps answering")
}

func rowRange(from, to int) []int {
	rows := make([]int, 0, to-from)
	for r := from; r < to; r++ {
		rows = append(rows, r)
	}
	return rows
}
