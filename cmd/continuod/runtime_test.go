package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"

	"github.com/continuo/continuo/internal/config"
)

func TestApplyMemory(t *testing.T) {
	gc, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(gc); debug.SetMemoryLimit(limit) })
	tests := []struct {
		name      string
		env       map[string]string
		mem       config.Memory
		wantGC    int
		wantLimit int64
	}{
		{"config", nil, config.Memory{GCPercent: 40, LimitMB: 96}, 40, 96 << 20},
		{"defaults", nil, config.Default().Memory, config.DefaultGCPercent, config.DefaultMemoryLimitMB << 20},
		{"no limit", nil, config.Memory{GCPercent: 25}, 25, math.MaxInt64},
		{"environment wins", map[string]string{"GOGC": "80", "GOMEMLIMIT": "1GiB"}, config.Memory{GCPercent: 25, LimitMB: 64}, 100, 123 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOGC", "")
			t.Setenv("GOMEMLIMIT", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			// What the runtime would have applied from the environment
			// (it reads it only at process start).
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(123 << 20)
			applyMemory(tc.mem, zerolog.Nop())
			assert.Equal(t, tc.wantGC, debug.SetGCPercent(100))
			assert.Equal(t, tc.wantLimit, debug.SetMemoryLimit(-1))
		})
	}
}

func TestApplyCPU(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(before) })
	t.Setenv("GOMAXPROCS", "")
	applyCPU(config.CPU{Procs: 1}, zerolog.Nop())
	assert.Equal(t, 1, runtime.GOMAXPROCS(0))

	// The environment wins: the runtime applied it at start.
	runtime.GOMAXPROCS(before)
	t.Setenv("GOMAXPROCS", "3")
	applyCPU(config.CPU{Procs: 1}, zerolog.Nop())
	assert.Equal(t, before, runtime.GOMAXPROCS(0))
}
