package history

import (
	"database/sql"

	"github.com/mattn/go-sqlite3"
)

// driverName is mattn's driver with Continuo's SQL functions registered on
// every connection: continuo_decay(w, from_ms, to_ms) lets a taste update
// be one upsert instead of a read and a write. Other tools can still open
// the file with plain sqlite3; they only cannot run that upsert.
const driverName = "sqlite3-continuo"

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			return c.RegisterFunc("continuo_decay", decay, true)
		},
	})
}
