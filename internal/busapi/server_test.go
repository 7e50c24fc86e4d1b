package busapi

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/history"
	"github.com/continuo/continuo/internal/testenv"
)

// deadline bounds every wait and call; generous for shared machines.
const deadline = 60 * time.Second

const propsIface = "org.freedesktop.DBus.Properties"

var (
	modelOnce sync.Once
	model     drive.Model
	modelErr  error
)

func testModel(tb testing.TB) drive.Model {
	modelOnce.Do(func() { model, modelErr = drive.LoadModel("", "emu:///{id}") })
	require.NoError(tb, modelErr)
	return model
}

// server is the API on a private bus over a real core and a real SQLite
// history, with a client connection to call it through.
type server struct {
	bus    *testenv.Bus
	core   *drive.Core
	hist   *history.Store
	srv    *Server
	client *dbus.Conn
	obj    dbus.BusObject
}

type serverConfig struct {
	dbPath string                  // "" = a new file in a temp dir
	before func(client *dbus.Conn) // runs after the client connects, before Serve
	// now is the core's clock (nil: the wall clock); contextExpire its
	// vehicle-context expiry (0: the default).
	now           func() time.Time
	contextExpire time.Duration
}

func startServer(tb testing.TB, cfg serverConfig) *server {
	tb.Helper()
	if cfg.dbPath == "" {
		cfg.dbPath = filepath.Join(tb.TempDir(), "history.db")
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &server{bus: testenv.StartBus(tb)}
	var err error
	e.hist, err = history.Open(ctx, history.Options{Path: cfg.dbPath, Logger: zerolog.Nop()})
	require.NoError(tb, err)
	e.core = drive.New(drive.Options{Model: testModel(tb), History: e.hist, Logger: zerolog.Nop(),
		Now: cfg.now, ContextExpireAfter: cfg.contextExpire})
	e.core.Start(ctx)
	e.client = e.bus.Conn(tb)
	e.obj = e.client.Object(BusName, Path)
	if cfg.before != nil {
		cfg.before(e.client)
	}
	conn, err := dbus.Connect(e.bus.Address)
	require.NoError(tb, err)
	e.srv, err = Serve(ctx, conn, e.core, Options{Version: "test", Access: Access{AllowOwnUID: true}, Logger: zerolog.Nop()})
	require.NoError(tb, err)
	e.core.SetNotifier(e.srv)
	tb.Cleanup(func() {
		e.core.SetNotifier(nil)
		require.NoError(tb, e.srv.Close())
		_ = conn.Close()
		cancel()
		require.NoError(tb, e.core.Close())
		require.NoError(tb, e.hist.Close())
	})
	return e
}

// call sends a raw method call: the body goes out with exactly the types
// of the values given.
func (e *server) call(iface, member string, body ...any) *dbus.Call {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	return e.obj.CallWithContext(ctx, iface+"."+member, 0, body...)
}

// errorOf returns the D-Bus error name and message of a failed call.
func errorOf(c *dbus.Call) (name, msg string) {
	de, ok := c.Err.(dbus.Error)
	if !ok {
		if c.Err != nil {
			return "", c.Err.Error()
		}
		return "", ""
	}
	if len(de.Body) > 0 {
		msg, _ = de.Body[0].(string)
	}
	return de.Name, msg
}

// ifaceOf says which interface of the object a contract member is on.
func ifaceOf(member string) string {
	switch member {
	case "Get", "GetAll", "Set":
		return propsIface
	}
	return Interface
}

// writeCorrupt puts a file that is not a database where the history goes.
func writeCorrupt(tb testing.TB, path string) {
	tb.Helper()
	junk := make([]byte, 0, 11000)
	for len(junk) < 11000 {
		junk = append(junk, "not a database at all "...)
	}
	require.NoError(tb, os.WriteFile(path, junk, 0o600))
}
