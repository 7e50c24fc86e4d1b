package footprint

import (
	"os"
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
