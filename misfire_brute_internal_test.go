package periodic

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
)

// userNext is a user's trigger: the scheduler cannot see into it and
// walks it by its Next.
type userNext func(time.Time) time.Time

func (f userNext) Next(t time.Time) time.Time { return f(t) }

// bruteTriggers are triggers the scheduler walks (none it counts in
// closed form), dense and sparse, the package's and a user's.
func bruteTriggers() []struct {
	name string
	tr   Trigger
} {
	and := And(MustCron("*/2 * * * * *"), MustCron("*/3 * * * * *"))
	or := Or(MustCron("*/2 * * * * *"), MustCron("*/3 * * * * *"))
	sparse := And(MustCron("0 0 * * * *"), MustCron("0 0 0 * * 1")) // Mondays at midnight
	perSecond := userNext(func(x time.Time) time.Time { return x.Truncate(time.Second).Add(time.Second) })
	return []struct {
		name string
		tr   Trigger
	}{
		{"or", or},
		{"and", and},
		{"except", Except(MustCron("* * * * * *"), MustCron("* 0 * * * *"))},
		{"or of and, except", Or(and, Except(MustCron("*/5 * * * * *"), MustCron("0 * * * * *")))},
		{"user", perSecond},
		{"user wraps and", userNext(and.Next)},
		{"sparse and", sparse},
		{"user wraps sparse and", userNext(sparse.Next)},
		{"or of user, cron", Or(perSecond, MustCron("*/3 * * * * *"))},
	}
}

// bruteMisfire is what a misfire of tr at tick, noticed at now, must
// plan, from a walk of every tick by tr.Next: the ticks older than the
// window (dropped), the late ones within it, and the tick each policy
// runs (zero: none).
func bruteMisfire(tr Trigger, pol Misfire, tick, now time.Time, grace, window time.Duration) (missed, dropped int, run time.Time) {
	var late []time.Time
	old := func(x time.Time) bool { return window > 0 && now.Sub(x) > window }
	x := tick
	for ; !x.IsZero() && now.Sub(x) > grace; x = tr.Next(x) {
		if old(x) {
			dropped++
			continue
		}
		late = append(late, x)
	}
	missed = dropped + len(late)
	switch pol {
	case MisfireCoalesceEarliest:
		if len(late) > 0 {
			run = late[0]
		}
	case MisfireCoalesce: // the latest tick due, unless older than the window
		var due time.Time
		for y := tick; !y.IsZero() && !y.After(now); y = tr.Next(y) {
			due = y
		}
		if !due.IsZero() && !old(due) {
			run = due
		}
	case MisfireCatchUp:
		k := max(0, len(late)-maxCatchUp)
		if len(late) > 0 {
			run = late[k]
		}
		dropped += k
	}
	if pol != MisfireCatchUp && len(late) == 0 && run.IsZero() && !x.IsZero() && !x.After(now) {
		run = x // the first tick kept is within the grace: it runs on time
	}
	ranLate := 0 // Dropped is Missed minus the late ticks that run
	switch {
	case pol == MisfireCatchUp:
		ranLate = len(late) - max(0, len(late)-maxCatchUp)
	case slices.ContainsFunc(late, run.Equal):
		ranLate = 1
	}
	return missed, missed - ranLate, run
}

// TestMisfireAgainstBruteForce compares misfire's plan with a walk of
// every tick, on spans small enough to walk: with every policy, with and
// without a catch-up window, for walked triggers. An exact plan (not
// atLeast) must match; a lower bound must never exceed the truth, and
// catch-up must start at one of the latest maxCatchUp late ticks within
// the window. It caught a window's walk that started before the window
// (Or, And under catch-up: counts of ticks that never were, runs of
// ticks older than the window) and a window that ran a future tick at
// once (the sparse And).
func TestMisfireAgainstBruteForce(t *testing.T) {
	for _, tc := range bruteTriggers() {
		for _, pol := range []Misfire{MisfireSkip, MisfireCatchUp, MisfireCoalesceEarliest, MisfireCoalesce} {
			for _, window := range []time.Duration{0, 10 * time.Minute, 50 * time.Minute} {
				for _, gap := range []time.Duration{15 * time.Minute, time.Hour, 3 * time.Hour} {
					t.Run(fmt.Sprintf("%s/%v/window=%v/gap=%v", tc.name, pol, window, gap), func(t *testing.T) {
						m := clock.NewMock()
						m.Set(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
						s := New(WithClock(m), WithLocation(time.UTC), WithLogger(slog.New(slog.DiscardHandler)))
						defer func() { require.NoError(t, s.Shutdown(context.Background())) }()
						opts := []JobOption{WithMisfire(pol)}
						if window > 0 {
							opts = append(opts, WithCatchupWindow(window))
						}
						j, err := Schedule(s, tc.tr, func(context.Context) (int, error) { return 0, nil }, opts...)
						require.NoError(t, err)
						tick := tc.tr.Next(m.Now())
						now := tick.Add(gap).Add(500 * time.Millisecond)
						missed, dropped, run := bruteMisfire(tc.tr, pol, tick, now, s.cfg.grace, window)
						p := j.misfire(tick, now)
						if !p.atLeast {
							require.Equal(t, missed, p.missed)
							require.Equal(t, dropped, p.dropped)
							if pol != MisfireSkip {
								require.Equal(t, run, p.run)
							}
							return
						}
						require.LessOrEqual(t, p.missed, missed)
						require.LessOrEqual(t, p.dropped, p.missed)
						require.True(t, p.run.IsZero() || !p.run.After(now), "runs %v, after now", p.run)
						switch pol {
						case MisfireCatchUp: // fewer may be found: the latest of the window's
							require.False(t, run.After(p.run), "catch-up runs from %v, before %v", p.run, run)
						case MisfireCoalesce, MisfireCoalesceEarliest:
							require.Equal(t, run, p.run)
						}
					})
				}
			}
		}
	}
}
