package drive

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/continuo/continuo/internal/music"
)

// TestHeardLog: the drive remembers every track heard within eight hours,
// however many (the old window forgot after 50), and forgets older ones.
func TestHeardLog(t *testing.T) {
	t0 := time.Date(2026, time.November, 29, 8, 0, 0, 0, time.UTC)
	var h heardLog
	for i := range 130 { // 130 tracks of 3 minutes: 6.5 hours
		h = h.add(music.TrackID(rune('a'+i%26))+music.TrackID(rune('a'+i/26)), t0.Add(time.Duration(i)*3*time.Minute))
	}
	tests := []struct {
		name string
		now  time.Time
		want int
	}{
		{"within the drive", t0.Add(6*time.Hour + 30*time.Minute), 130},
		{"eight hours after the first", t0.Add(8*time.Hour + 1*time.Minute), 130 - 1},
		{"a day later", t0.Add(24 * time.Hour), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ids := h.ids(tc.now)
			assert.Len(t, ids, tc.want)
			if tc.want == 130 {
				assert.Equal(t, music.TrackID("aa"), ids[0], "oldest first")
			}
		})
	}
	h = h.add("late", t0.Add(9*time.Hour))
	assert.Less(t, len(h), 131, "plays older than eight hours are dropped on add")
}
