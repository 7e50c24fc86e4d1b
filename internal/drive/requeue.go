package drive

import (
	"context"
	"slices"
	"time"

	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/player"
)

// pendingRequeue is a re-ranking of the queue that a like or dislike asked
// for, done once the reply is on its way (afterReply).
type pendingRequeue struct {
	due   bool
	liked music.TrackID // the track liked, "" for a dislike
}

// afterReply does what a request left for after its reply: the reply says
// the judgement is stored, and the player's calls must neither hold it
// back nor, past the caller's deadline, turn it into an error.
func (st *state) afterReply(ctx context.Context) {
	if p := st.pendingRequeue; p.due {
		st.pendingRequeue = pendingRequeue{}
		st.requeue(ctx, p.liked)
	}
}

// requeue replaces the tracks Continuo queued on the player and that have
// not started with a fresh ranking from the drive's context as it is now,
// so that a like or a dislike changes what comes next at once rather than
// depth tracks later: a disliked artist's queued tracks go, a like brings
// what it suggests forward. A queued track the driver liked stays where it
// was (the session bans it from the ranking like every judged track).
//
// It acts only on a drive whose tail Continuo queued, and only where the
// mechanism can take tracks back (player.Remover); OpenUri cannot, so there
// the queue stays. The head of the queue the new ranking keeps in the same
// order stays on the player and takes the new ranking's reason (that is why
// it is queued now); the rest is removed and the new picks queued in its
// place. A failure is logged and leaves what is still queued: the
// judgement that led here is stored already, and the queue stays usable.
func (st *state) requeue(ctx context.Context, liked music.TrackID) {
	rm, ok := st.enq.(player.Remover)
	if !ok || st.enq.Lossy() || st.cur == nil || len(st.queue) == 0 || st.parked() {
		return
	}
	start := time.Now()
	old := st.queue
	st.queue = nil // the queued tracks are candidates again
	picks, err := st.rank(ctx, st.depth)
	st.queue = old
	if err != nil {
		st.c.log.Warn().Err(err).Msg("re-ranking the queue after feedback failed; keeping it")
		return
	}
	target := st.entries(picks)
	if i := slices.IndexFunc(old, func(q queuedTrack) bool { return st.c.m().Catalog.ID(q.row) == liked }); i >= 0 {
		target = slices.Insert(target, min(i, len(target)), old[i])
		target = target[:min(len(target), st.depth)]
	}
	keep := 0
	for keep < len(old) && keep < len(target) && old[keep].row == target[keep].row {
		keep++
	}
	for i := range keep {
		st.queue[i] = target[i]
		st.recordReason(st.c.m().Catalog.ID(target[i].row), target[i].reason)
	}
	if !st.takeBack(ctx, rm, keep) {
		st.refill(ctx)
	} else {
		st.enqueue(ctx, target[keep:])
		st.c.log.Info().Int("kept", keep).Int("replaced", len(old)-keep).Dur("took", time.Since(start)).
			Str("mechanism", st.enq.Mechanism()).Msg("queue re-ranked after feedback")
	}
	st.notifyQueue()
}

// takeBack removes the queue from entry keep on from the player and says
// whether it went as planned. When it did not, the queue keeps what the
// player still has.
func (st *state) takeBack(ctx context.Context, rm player.Remover, keep int) bool {
	if keep == len(st.queue) {
		return true
	}
	stale := make([]string, 0, len(st.queue)-keep)
	for _, q := range st.queue[keep:] {
		stale = append(stale, q.uri)
	}
	cctx, cancel := context.WithTimeout(ctx, st.c.opts.CallTimeout)
	removed, err := rm.RemoveUpcoming(cctx, stale)
	cancel()
	if err != nil {
		st.c.log.Warn().Err(err).Str("mechanism", st.enq.Mechanism()).Int("removed", len(removed)).
			Msg("taking queued tracks back failed; keeping what is still queued")
		st.queue = dropQueued(st.queue, keep, removed)
		return false
	}
	// Whatever the player no longer lists after its current track is not
	// queued any more, removed now or started meanwhile.
	st.queue = slices.Clip(st.queue[:keep])
	return true
}

// dropQueued drops from q[from:] the tracks whose URI the player removed.
func dropQueued(q []queuedTrack, from int, removed []string) []queuedTrack {
	out := slices.Clone(q[:from])
	for _, t := range q[from:] {
		if i := slices.Index(removed, t.uri); i >= 0 {
			removed = slices.Delete(slices.Clone(removed), i, i+1)
			continue
		}
		out = append(out, t)
	}
	return out
}
