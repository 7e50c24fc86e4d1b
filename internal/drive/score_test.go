package drive

import (
	"context"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
)

// TestScoreSlots: a Recommend scores only in a free slot. With every slot
// taken a call waits, and gives up with KindUnavailable when its context
// ends; once a slot frees it scores. Many callers at once all get answers
// and leave every slot free.
func TestScoreSlots(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	e := recommend.New(def, recommend.Options{})
	require.NoError(t, e.Err())
	c := New(Options{Logger: zerolog.Nop()})
	require.Equal(t, scoringSlots(), cap(c.scoring))
	req := recommend.Request{Seeds: []int{1}, N: 3}

	for range cap(c.scoring) {
		c.scoring <- struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.score(ctx, e, req)
	assert.Equal(t, music.KindUnavailable, music.KindOf(err), "no slot: %v", err)

	<-c.scoring // one slot frees
	picks, err := c.score(context.Background(), e, req)
	require.NoError(t, err)
	assert.Len(t, picks, 3)
	for range cap(c.scoring) - 1 {
		<-c.scoring
	}

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := c.score(context.Background(), e, req)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Zero(t, len(c.scoring), "every slot released")
}
