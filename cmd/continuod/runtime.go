package main

import (
	"math"
	"os"
	"runtime"
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

// applyCPU sets GOMAXPROCS from the [cpu] section (configs/continuo.toml
// says why one core fewer), unless the environment sets GOMAXPROCS. The
// runtime's own default already counts the CPU affinity and a cgroup's
// quota; "one fewer" is taken from it. It runs at start and on SIGHUP.
func applyCPU(c config.CPU, log zerolog.Logger) {
	if os.Getenv("GOMAXPROCS") != "" {
		log.Debug().Int("procs", runtime.GOMAXPROCS(0)).Bool("env", true).Msg("cpus")
		return
	}
	runtime.GOMAXPROCS(c.GOMAXPROCS(defaultProcs))
	log.Debug().Int("procs", runtime.GOMAXPROCS(0)).Int("cpus", runtime.NumCPU()).Msg("cpus")
}

// defaultProcs is what the runtime chose at start (CPU affinity, cgroup
// quota), read once, before applyCPU changes it.
var defaultProcs = runtime.GOMAXPROCS(0)
