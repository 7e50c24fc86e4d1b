// Package footprint owns `make footprint`: what continuod costs a head unit
// (start → bus name, resident memory at rest, after 1,000 Recommend calls
// and under a 50-client load, Recommend latency over D-Bus, bytes written to
// flash per track played), measured against a floor process on a private
// bus. The harness itself is TestFootprint (footprint_run_test.go), gated by
// CONTINUO_FOOTPRINT=1; this file holds the /proc readers and the
// statistics it reports, which have their own tests.
package footprint

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// IO is a process's storage I/O counters from /proc/PID/io (proc(5)).
type IO struct {
	// WChar counts bytes passed to write(2) and friends, sockets included,
	// so D-Bus replies count; it is not a flash figure.
	WChar uint64
	// WriteBytes counts bytes the process caused to be sent to the storage
	// layer: page-cache pages it dirtied on a block-backed file system (WAL
	// appends, checkpoint copies into the database file, journal and
	// temporary files). It is attributed when a page is dirtied, so
	// rewriting a dirty page before writeback may count twice, and fsync
	// itself adds nothing: it is the closest per-process figure to flash
	// wear without tracing the block layer. Zero on tmpfs.
	WriteBytes uint64
	// CancelledWriteBytes counts dirtied bytes never written because the
	// file was truncated or deleted first (a WAL reset, a removed temp file).
	CancelledWriteBytes uint64
}

// ReadIO reads /proc/PID/io; pid "self" reads this process, whose counters
// include every child it has reaped (the kernel adds a reaped child's
// counters to its parent's), which is how a child's lifetime total,
// shutdown included, can be read after it exits.
func ReadIO(pid string) (IO, error) {
	b, err := os.ReadFile("/proc/" + pid + "/io")
	if err != nil {
		return IO{}, fmt.Errorf("footprint: read io of %s: %w", pid, err)
	}
	return parseIO(b)
}

func parseIO(b []byte) (IO, error) {
	var io IO
	err := parseProcFields(b, "io", map[string]*uint64{"wchar": &io.WChar, "write_bytes": &io.WriteBytes,
		"cancelled_write_bytes": &io.CancelledWriteBytes}, 1)
	return io, err
}

// parseProcFields reads "key: value [kB]" lines of a /proc file into
// fields, each value times scale; every field must be present.
func parseProcFields(b []byte, file string, fields map[string]*uint64, scale uint64) error {
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		p, want := fields[k]
		if !ok || !want {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			return fmt.Errorf("footprint: /proc %s field %s %q: %w", file, k, v, err)
		}
		*p = n * scale
		seen++
	}
	if seen != len(fields) {
		names := make([]string, 0, len(fields))
		for k := range fields {
			names = append(names, k)
		}
		slices.Sort(names)
		return fmt.Errorf("footprint: /proc %s has %d of the fields %s", file, seen, strings.Join(names, ", "))
	}
	return nil
}

// Mem is a process's resident memory from /proc/PID/status, in bytes.
type Mem struct {
	RSS  uint64 // VmRSS: all of it
	Anon uint64 // RssAnon: heap and stacks, what the process alone holds
	File uint64 // RssFile: mapped files (the binary; a mapped snapshot), clean and reclaimable
}

// Memory reads the resident memory of process pid.
func Memory(pid int) (Mem, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Mem{}, fmt.Errorf("footprint: read status of %d: %w", pid, err)
	}
	return parseStatus(b)
}

// RSS returns the resident set size of process pid in bytes (VmRSS:
// anonymous, file-backed and shared memory resident now).
func RSS(pid int) (uint64, error) {
	m, err := Memory(pid)
	return m.RSS, err
}

func parseStatus(b []byte) (Mem, error) {
	var m Mem
	err := parseProcFields(b, "status", map[string]*uint64{"VmRSS": &m.RSS, "RssAnon": &m.Anon, "RssFile": &m.File}, 1024)
	return m, err
}

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat:
// 100 on every Linux architecture Go supports (it is part of the kernel's
// user ABI, independent of the kernel's internal HZ), which is what
// sysconf(_SC_CLK_TCK) returns there.
const clockTicks = 100

// CPUTime returns the CPU time process pid has used so far, user plus
// system (utime + stime of /proc/PID/stat, proc(5)), at a resolution of
// 10 ms. Unlike wall time it does not grow when other processes compete
// for the cores, so it is the start figure a loaded machine can still
// compare with a target; it does not include time spent waiting for the
// disk or the bus.
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("footprint: read stat of %d: %w", pid, err)
	}
	return parseStat(b)
}

// parseStat reads utime + stime from a /proc/PID/stat line. The command
// name (field 2) is in parentheses and may itself hold spaces and ')', so
// the fields are counted from the last ')'.
func parseStat(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("footprint: /proc stat %q: no command name", b)
	}
	// After the name: state (field 3) ... utime (14), stime (15).
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("footprint: /proc stat has %d fields after the name, want at least 13", len(f))
	}
	var ticks uint64
	for _, v := range f[11:13] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("footprint: /proc stat cpu time %q: %w", v, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// Quantile returns the q-quantile (0..1) of d by the nearest-rank method,
// the same rank BenchmarkRecommend uses for its p99; 0 for no values. d is
// sorted in place.
func Quantile[T int64 | uint64 | float64 | time.Duration](d []T, q float64) T {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(q * float64(len(d)))
	return d[min(max(i, 0), len(d)-1)]
}

// MB formats bytes as binary megabytes with one decimal.
func MB(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// Ms formats a duration in milliseconds, with two decimals below 10 ms.
func Ms(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 10 {
		return fmt.Sprintf("%.2f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

// Ratio formats a/b as "12.3×", or "–" when b is zero.
func Ratio[T int64 | uint64 | float64 | time.Duration](a, b T) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f×", float64(a)/float64(b))
}

// GCCycle is one garbage collection as the runtime reports it with
// GODEBUG=gctrace=1 (runtime package documentation): the CPU the cycle's
// phases took (wall time × Ps of each phase, so a loaded machine inflates
// it) and the heap in MB (the runtime rounds down), live after marking
// and the goal it set for the next cycle.
type GCCycle struct {
	CPU          time.Duration
	LiveMB, Goal int
}

// ParseGCTrace reads the cycles of a gctrace log; lines that are not a
// cycle's (the daemon's own log, a scavenger line) are skipped, and a
// cycle line that does not parse is an error naming it.
func ParseGCTrace(b []byte) ([]GCCycle, error) {
	var out []GCCycle
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "gc ") || !strings.Contains(line, " MB goal") {
			continue
		}
		c, err := parseGCLine(line)
		if err != nil {
			return nil, fmt.Errorf("footprint: gctrace line %q: %w", line, err)
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

// parseGCLine reads "gc 3 @0.021s 1%: 0.06+0.09+0.002 ms clock,
// 0.12+0/0.028/0.028+0.004 ms cpu, 12->12->12 MB, 16 MB goal, ...".
func parseGCLine(line string) (GCCycle, error) {
	var c GCCycle
	parts := strings.Split(line, ", ")
	if len(parts) < 4 {
		return c, fmt.Errorf("%d comma-separated parts, want at least 4", len(parts))
	}
	cpu, ok := strings.CutSuffix(parts[1], " ms cpu")
	if !ok {
		return c, fmt.Errorf("no cpu times in %q", parts[1])
	}
	var ms float64
	for _, f := range strings.FieldsFunc(cpu, func(r rune) bool { return r == '+' || r == '/' }) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || v < 0 {
			return c, fmt.Errorf("cpu time %q", f)
		}
		ms += v
	}
	c.CPU = time.Duration(ms * float64(time.Millisecond))
	heap, ok := strings.CutSuffix(parts[2], " MB")
	sizes := strings.Split(heap, "->")
	if !ok || len(sizes) != 3 {
		return c, fmt.Errorf("heap sizes %q, want A->B->C MB", parts[2])
	}
	goal, ok := strings.CutSuffix(parts[3], " MB goal")
	if !ok {
		return c, fmt.Errorf("heap goal %q", parts[3])
	}
	var err error
	if c.LiveMB, err = strconv.Atoi(sizes[2]); err != nil {
		return c, fmt.Errorf("live heap %q", sizes[2])
	}
	if c.Goal, err = strconv.Atoi(goal); err != nil {
		return c, fmt.Errorf("heap goal %q", goal)
	}
	return c, nil
}
