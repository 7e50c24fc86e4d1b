package footprint

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseIO(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    IO
		wantErr bool
	}{
		{"kernel format", "rchar: 10\nwchar: 20\nsyscr: 1\nsyscw: 2\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 4096\n",
			IO{WChar: 20, WriteBytes: 8192, CancelledWriteBytes: 4096}, false},
		{"missing field", "wchar: 20\nwrite_bytes: 8192\n", IO{}, true},
		{"bad number", "wchar: x\nwrite_bytes: 1\ncancelled_write_bytes: 0\n", IO{}, true},
		{"empty", "", IO{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseIO([]byte(tc.in))
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Mem
		wantErr bool
	}{
		{"kernel format", "Name:\tx\nVmPeak:\t  9999 kB\nVmRSS:\t    5120 kB\nRssAnon:\t    4096 kB\nRssFile:\t    1024 kB\nRssShmem:\t0 kB\n",
			Mem{RSS: 5120 << 10, Anon: 4096 << 10, File: 1024 << 10}, false},
		{"no rss", "Name:\tx\nRssAnon:\t1 kB\nRssFile:\t1 kB\n", Mem{}, true},
		{"bad number", "VmRSS:\t lots kB\nRssAnon:\t1 kB\nRssFile:\t1 kB\n", Mem{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatus([]byte(tc.in))
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"kernel format", "9610 (cat) R 9606 9606 7644 0 -1 4194304 101 0 0 0 31 7 0 0 20 0 1 0 1322303 3133440 396\n", 380 * time.Millisecond, false},
		{"name with spaces and parens", "12 (a) b (c)) S 1 1 1 0 -1 0 0 0 0 0 250 50 0 0 20 0 1 0\n", 3 * time.Second, false},
		{"no name", "12 S 1 1 1 0 -1 0 0 0 0 0 250 50\n", 0, true},
		{"truncated", "12 (x) S 1 1 1 0 -1 0 0 0 0 0 250\n", 0, true},
		{"bad number", "12 (x) S 1 1 1 0 -1 0 0 0 0 0 25x 50 0\n", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStat([]byte(tc.in))
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestReadOwnProc reads this process's real /proc files.
func TestReadOwnProc(t *testing.T) {
	m, err := Memory(os.Getpid())
	require.NoError(t, err)
	assert.Greater(t, m.RSS, uint64(1<<20))
	assert.LessOrEqual(t, m.Anon+m.File, m.RSS)
	_, err = CPUTime(os.Getpid())
	require.NoError(t, err)
	_, err = ReadIO("self")
	require.NoError(t, err)
	_, err = RSS(-1)
	assert.Error(t, err)
}

func TestQuantile(t *testing.T) {
	d := []time.Duration{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	assert.Equal(t, time.Duration(6), Quantile(d, 0.5))
	assert.Equal(t, time.Duration(10), Quantile(d, 0.9))
	assert.Equal(t, time.Duration(10), Quantile(d, 0.99))
	assert.Equal(t, time.Duration(1), Quantile(d, 0))
	assert.Equal(t, time.Duration(0), Quantile([]time.Duration{}, 0.5))
	assert.Equal(t, "2.0×", Ratio(uint64(4), 2))
	assert.Equal(t, "–", Ratio(uint64(4), 0))
}

const gcLine = "gc 3 @0.021s 1%: 0.063+0.095+0.002 ms clock, 0.12+0/0.028/0.028+0.004 ms cpu, 12->12->11 MB, 16 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)"

func TestParseGCTrace(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []GCCycle
		wantErr bool
	}{
		{"cycles among the daemon's log", "{\"level\":\"warn\"}\n" + gcLine + "\nscvg: 1 MB released\n" +
			"gc 4 @1.5s 2%: 0.1+12+0.05 ms clock, 0.2+1.5/10/0.3+0.1 ms cpu, 60->61->50 MB, 55 MB goal, 0 MB stacks, 0 MB globals, 2 P\n",
			[]GCCycle{{CPU: 180 * time.Microsecond, LiveMB: 11, Goal: 16}, {CPU: 12100 * time.Microsecond, LiveMB: 50, Goal: 55}}, false},
		{"no cycles", "started\n", nil, false},
		{"bad cpu time", strings.Replace(gcLine, "0.12+", "x+", 1), nil, true},
		{"bad heap", strings.Replace(gcLine, "12->12->11 MB", "12->11 MB", 1), nil, true},
		{"bad goal", strings.Replace(gcLine, "16 MB goal", "lots MB goal", 1), nil, true},
		{"cut short", "gc 5 @1s 1%: 0.1+0.1+0.1 ms clock, 4 MB goal", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseGCTrace([]byte(tc.in))
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Len(t, got, len(tc.want))
			for i := range got {
				assert.InDelta(t, tc.want[i].CPU, got[i].CPU, float64(time.Microsecond))
				assert.Equal(t, tc.want[i].LiveMB, got[i].LiveMB)
				assert.Equal(t, tc.want[i].Goal, got[i].Goal)
			}
		})
	}
}

func FuzzParseGCTrace(f *testing.F) {
	f.Add([]byte(gcLine))
	f.Add([]byte("gc 1 @0s 0%: , , , MB goal"))
	f.Add([]byte("gc x, 1/2+/ ms cpu, ->-> MB, -1 MB goal"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cycles, err := ParseGCTrace(b)
		if err == nil {
			for _, c := range cycles {
				assert.GreaterOrEqual(t, c.CPU, time.Duration(0))
			}
		}
	})
}
