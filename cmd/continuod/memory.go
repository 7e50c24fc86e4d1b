package main

import (
	"math"
	"os"
	"runtime/debug"

	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/config"
)

// applyMemory sets the garbage collector's target and soft memory limit
// from the [memory] section (configs/continuo.toml says why a high target
// under a soft limit), unless the environment sets GOGC or GOMEMLIMIT,
// which the runtime has already applied and which win, for experiments. It
// runs at start, before the catalog is loaded, and again on SIGHUP.
func applyMemory(m config.Memory, log zerolog.Logger) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(m.GCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		limit := int64(m.LimitMB) << 20
		if m.LimitMB == 0 {
			limit = math.MaxInt64 // the runtime's "no limit" (GOMEMLIMIT=off)
		}
		debug.SetMemoryLimit(limit)
	}
	// A negative argument reads the limit without changing it.
	log.Debug().Int("gc_percent", m.GCPercent).Int64("memory_limit", debug.SetMemoryLimit(-1)).
		Bool("env", os.Getenv("GOGC")+os.Getenv("GOMEMLIMIT") != "").Msg("garbage collector")
}
