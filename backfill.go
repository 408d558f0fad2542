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
// applies, the job's live ticks see the backfilled runs as in flight, and
// with a Locker each backfilled tick is claimed like a live one. Ticks of
// Every are those of the job's own anchor. Backfilled runs do not count
// towards WithLimit.
//
// Cancelling ctx cancels the runs in flight and those not started yet.
// Backfill does not block. Bad input is an error wrapping ErrInvalid: to
// before from, more than 100,000 ticks, another overlap policy; after
// Shutdown or Remove it returns ErrClosed.
func (j *Job[T]) Backfill(ctx context.Context, from, to time.Time, overlap ...Overlap) ([]*Future[T], error) {
	o, err := backfillOverlap(overlap)
	if err != nil {
		return nil, err
	}
	if to.Before(from) {
		return nil, fmt.Errorf("%w: Backfill(%s, %s): to is before from", ErrInvalid, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	ticks, err := j.ticksIn(from, to)
	if err != nil {
		return nil, err
	}
	runs := make([]*run[T], len(ticks))
	futures := make([]*Future[T], len(ticks))
	for i, t := range ticks {
		runs[i] = newRunIn(ctx, j, t, true)
		futures[i] = &runs[i].fut
	}
	if err := claimBackfill(j, runs); err != nil { // store_job.go: the range in a record of its own
		return nil, err
	}
	if o == OverlapAllow {
		return futures, j.admitAll(runs, runs)
	}
	for i := 1; i < len(runs); i++ {
		tail := runs[i:]
		runs[i-1].fut.listen(func() { _ = j.admitAll(tail[:1], tail) })
	}
	if len(runs) > 0 {
		return futures, j.admitAll(runs[:1], runs)
	}
	return futures, nil
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
	if e, ok := j.trigger.(every); ok {
		j.s.mu.Lock()
		anchor := j.tick.when
		j.s.mu.Unlock()
		if anchor.IsZero() {
			anchor = j.cfg.startAt
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
	for t = j.trigger.Next(t.In(j.s.cfg.loc)); !t.IsZero() && !t.After(to); t = j.trigger.Next(t) {
		if len(ticks) == maxBackfill {
			return nil, fmt.Errorf("%w: Backfill(%s, %s): more than %d ticks", ErrInvalid, from.Format(time.RFC3339), to.Format(time.RFC3339), maxBackfill)
		}
		ticks = append(ticks, t)
	}
	return ticks, nil
}

// admitAll starts runs (or parks them for a concurrency slot), skipping
// those already settled; after Shutdown or Remove it refuses every pending
// run of rest, which holds runs and those after them, with ErrClosed.
func (j *Job[T]) admitAll(runs, rest []*run[T]) error {
	s := j.s
	var refused []refusal
	s.mu.Lock()
	closed := s.closing || j.state == jobRemoved
	if closed {
		runs = rest
	}
	for _, r := range runs {
		switch {
		case r.fut.state.Load() != statePending:
		case closed:
			j.l()
			refused = append(refused, refusal{r, fmt.Errorf("periodic: job %q: Backfill: %w", j.name, ErrClosed)})
		case !s.admitLocked(r):
			refused = append(refused, refusal{r, j.skipErr(r.tick, "a run already waits for a concurrency slot")})
		}
	}
	s.mu.Unlock()
	j.refuse(refused)
	if closed {
		return fmt.Errorf("periodic: job %q: Backfill: %w", j.Name(), ErrClosed)
	}
	return nil
}
