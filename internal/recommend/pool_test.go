package recommend

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestScratchPoolSurvivesGC: a scratch put back is handed out again after
// collections (a sync.Pool would drop it), and the pool keeps no more than
// its capacity.
func TestScratchPoolSurvivesGC(t *testing.T) {
	made := 0
	p := newScratchPool(func() *scratch { made++; return &scratch{} })
	kept := make([]*scratch, cap(p.free)+1)
	for i := range kept {
		kept[i] = p.get()
	}
	assert.Equal(t, len(kept), made)
	for _, s := range kept {
		p.put(s)
	}
	runtime.GC()
	runtime.GC()
	for i := range cap(p.free) {
		assert.Same(t, kept[i], p.get(), "scratch %d", i)
	}
	assert.Equal(t, len(kept), made, "nothing new while some were kept")
	p.get()
	assert.Equal(t, len(kept)+1, made, "the one beyond capacity was dropped")
}
