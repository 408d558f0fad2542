package periodic

import (
	"context"
	"fmt"
	"time"
)

// maxBackfill bounds the ticks one Backfill may run.
const maxBackfill = 100_000

// Backfill runs the job for every tick its trigger has in [from, to], as
// if the scheduler had been running then, and returns their futures in
// tick order. TickFrom in each run is its past tick. With overlap
// OverlapBufferAll (the default) the runs go one after another; with
// OverlapAllow they all start at once. Either way WithMaxConcurrency
// applies (a backfilled run waits its turn for a slot rather than being
// skipped), the job's live ticks see the backfilled runs as in flight, and
// with a Locker each backfilled tick is claimed like a live one. Ticks of
// Every are those of the job's own anchor. Backfilled runs do not count
// towards WithLimit.
//
// With a Store, the ticks are claimed together as one range
// (Store.ClaimRange): a Backfill whose range overlaps one that a replica
// already claimed fails with ErrClaimed and runs nothing. Backfilled runs
// take no lease and leave the fencing mark alone, so the cluster-wide
// overlap policy does not see them: only this replica's live ticks see
// them as in flight, and a tick also claimed live (after the mark) may
// run both ways.
//
// Cancelling ctx cancels the runs in flight and settles those not started
// yet with ctx.Err(). Cancel on the future of a run not started yet
// settles it at once with ErrCancelled; it never runs, and the others keep
// their order. Backfill does not block. Bad input is an error
// wrapping ErrInvalid: a nil ctx, a zero from or to, to before from, more
// than 100,000 ticks, another overlap policy, a trigger that panics, a to
// after now on the scheduler's clock (those ticks have not come yet: they
// run live, and backfilled they would run twice); after Shutdown it
// returns ErrClosed, after Remove ErrRemoved.
func (j *Job[T]) Backfill(ctx context.Context, from, to time.Time, overlap ...Overlap) ([]*Future[T], error) {
	o, err := backfillOverlap(overlap)
	if err != nil {
		return nil, err
	}
	switch {
	case ctx == nil:
		return nil, fmt.Errorf("%w: Backfill: nil context", ErrInvalid)
	case from.IsZero() || to.IsZero():
		return nil, fmt.Errorf("%w: Backfill(%s, %s): from and to must be set", ErrInvalid, from.Format(time.RFC3339), to.Format(time.RFC3339))
	case to.Before(from):
		return nil, fmt.Errorf("%w: Backfill(%s, %s): to is before from", ErrInvalid, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	ticks, err := j.ticksIn(from, to)
	if err != nil {
		return nil, err
	}
	if now := j.s.Now(); to.After(now) { // those ticks are live ones: they would run twice
		return nil, fmt.Errorf("%w: Backfill(%s, %s): to is after now (%s); ticks that have not come yet run live",
			ErrInvalid, from.Format(time.RFC3339), to.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	}
	b := &backfill[T]{j: j, ctx: ctx, seq: o != OverlapAllow, runs: make([]*run[T], len(ticks))}
	futures := make([]*Future[T], len(ticks))
	for i, t := range ticks {
		b.runs[i] = newRunIn(ctx, j, t, true)
		b.runs[i].batch = b
		futures[i] = &b.runs[i].fut
	}
	if err := claimBackfill(j, b.runs); err != nil { // store_job.go: the range in a record of its own
		return nil, err
	}
	if err := b.watch(); err != nil {
		return nil, err
	}
	return futures, b.publish()
}

// backfill is the runs of one Backfill call. Guarded by s.mu.
type backfill[T any] struct {
	j        *Job[T]
	ctx      context.Context
	runs     []*run[T]   // in tick order
	next     int         // runs[next:] are pending
	admitted int         // runs that left pending and have not finished
	seq      bool        // one at a time (OverlapBufferAll)
	listed   bool        // in the job's batches
	watching bool        // the watcher's token is held
	stop     func() bool // stops watching ctx; set before the runs are published
}

// watch takes a token for the watcher of ctx, then registers it: one
// context.AfterFunc per Backfill, whose goroutine the token stands for.
func (b *backfill[T]) watch() error {
	s := b.j.s
	if b.ctx.Done() == nil || len(b.runs) == 0 {
		return nil
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return wrapf(ErrClosed, "Backfill")
	}
	s.live.Add(1)
	b.watching = true
	s.mu.Unlock()
	b.stop = context.AfterFunc(b.ctx, b.cancelled)
	return nil
}

// publish puts the runs in their place, pending, and starts what may
// start; after Shutdown or Remove it refuses them instead.
func (b *backfill[T]) publish() error {
	j, s := b.j, b.j.s
	s.mu.Lock()
	l := j.l()
	for _, r := range b.runs {
		j.moveLocked(r, placePending)
	}
	var refused []refusal
	err := j.closedErrLocked()
	closed := err != nil
	if closed {
		err = wrapf(err, "job %q: Backfill", j.name)
	}
	switch {
	case closed:
		for b.next < len(b.runs) {
			refused = b.runs[b.next].refuseLocked(refused, err)
		}
	case b.ctx.Err() != nil: // ended already: the watcher may have run before the runs were pending
		for b.next < len(b.runs) {
			refused = b.runs[b.next].refuseLocked(refused, b.ctx.Err())
		}
	case len(b.runs) > 0:
		b.listed = true
		l.batches = append(l.batches, b)
		b.advanceLocked()
	}
	s.mu.Unlock()
	settle(refused)
	if closed {
		b.stopIfDone()
		return err
	}
	return nil
}

// advanceLocked admits the next pending runs: one at a time for a
// sequential Backfill, else as many as may start or wait for a slot.
func (b *backfill[T]) advanceLocked() {
	for b.next < len(b.runs) && (!b.seq || b.admitted == 0) {
		if !b.j.admitLocked(b.runs[b.next]) {
			return
		}
	}
}

// cancelled is the watcher: ctx ended, so the pending runs settle with its
// error and the others are cancelled. It gives back the watcher's token.
func (b *backfill[T]) cancelled() {
	j, s := b.j, b.j.s
	s.mu.Lock()
	var refused []refusal
	for b.next < len(b.runs) && b.runs[b.next].placed == placePending { // none before publish
		refused = b.runs[b.next].refuseLocked(refused, b.ctx.Err())
	}
	var started []*run[T]
	for _, r := range b.runs {
		if r.placed == placeActive || r.placed == placeSlot {
			started = append(started, r)
		}
	}
	b.watching = false
	j.dropBatchLocked(b)
	s.mu.Unlock()
	for _, r := range started {
		r.afters.end(endParent)
		r.withdraw()
	}
	settle(refused)
	s.mu.Lock()
	s.live.Add(-1)
	s.checkDoneLocked()
	s.notifyLocked()
	s.mu.Unlock()
}

// stopIfDone stops watching ctx once every run of the Backfill has
// finished, and gives back the watcher's token if the watcher never ran.
func (b *backfill[T]) stopIfDone() {
	s := b.j.s
	s.mu.Lock()
	done := b.next == len(b.runs) && b.admitted == 0
	stop := done && b.watching
	if done {
		b.watching = false
		b.j.dropBatchLocked(b)
	}
	s.mu.Unlock()
	if stop && b.stop() {
		s.mu.Lock()
		s.live.Add(-1)
		s.checkDoneLocked()
		s.notifyLocked()
		s.mu.Unlock()
	}
}

// dropBatchLocked takes b out of the job's batches.
func (j *Job[T]) dropBatchLocked(b *backfill[T]) {
	if !b.listed {
		return
	}
	b.listed = false
	l := j.l()
	for i, x := range l.batches {
		if x == b {
			l.batches = append(l.batches[:i], l.batches[i+1:]...)
			return
		}
	}
}

// backfillOverlap returns the chosen policy.
func backfillOverlap(o []Overlap) (Overlap, error) {
	switch {
	case len(o) == 0:
		return OverlapBufferAll, nil
	case len(o) > 1 || (o[0] != OverlapAllow && o[0] != OverlapBufferAll):
		return 0, fmt.Errorf("%w: Backfill overlap %v: only OverlapAllow or OverlapBufferAll", ErrInvalid, o)
	}
	return o[0], nil
}

// ticksIn lists the job's ticks in [from, to].
func (j *Job[T]) ticksIn(from, to time.Time) ([]time.Time, error) {
	t := from.Add(-time.Nanosecond)
	if e, ok := j.trig().(every); ok {
		j.s.mu.Lock()
		anchor := j.tick.when
		j.s.mu.Unlock()
		if anchor.IsZero() {
			anchor = j.conf().startAt
		}
		if !anchor.IsZero() {
			k := from.Sub(anchor) / e.d
			if anchor.Add(k * e.d).Before(from) {
				k++
			}
			t = anchor.Add((k - 1) * e.d) // Next(t) is the first tick at or after from
		}
	}
	var ticks []time.Time
	for {
		n, err := j.callNext(t)
		if err != nil {
			return nil, fmt.Errorf("%w: Backfill: %w", ErrInvalid, err)
		}
		if n.IsZero() || n.After(to) || !n.After(t) {
			return ticks, nil
		}
		if len(ticks) == maxBackfill {
			return nil, fmt.Errorf("%w: Backfill(%s, %s): more than %d ticks", ErrInvalid, from.Format(time.RFC3339), to.Format(time.RFC3339), maxBackfill)
		}
		ticks = append(ticks, n)
		t = n
	}
}
