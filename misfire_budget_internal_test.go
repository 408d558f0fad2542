package periodic

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
)

// counting is a user's trigger that counts the calls to its Next.
type counting struct {
	tr    Trigger
	calls atomic.Int64
}

// Next counts the call and returns tr's Next.
func (c *counting) Next(t time.Time) time.Time {
	c.calls.Add(1)
	return c.tr.Next(t)
}

// budgetEnv returns a scheduler on a mock clock at c0, in UTC, with no
// misfire grace, whose misfire events go to events.
func budgetEnv(t *testing.T, events *[]Event) *Scheduler {
	m := clock.NewMock()
	m.Set(c0)
	s := New(WithClock(m), WithLocation(time.UTC), WithLogger(slog.New(slog.DiscardHandler)), WithMisfireGrace(0),
		WithHooks(Hooks{OnMisfire: func(e Event) { *events = append(*events, e) }}))
	t.Cleanup(func() { require.NoError(t, s.Shutdown(context.Background())) })
	return s
}

// TestMisfireBudget counts the calls to a user's per-second trigger
// across one whole misfire after a year, every policy, with and without a
// catch-up window: never more than userBudget + misfireExtra (a user's
// Next may cost anything: it gets the smaller budget), the event says its
// counts are lower bounds, MisfireCatchUp's counts stop at half the
// budget, and the other half finds the last late ticks, fewer than 1,000:
// those run, and Dropped counts the others.
func TestMisfireBudget(t *testing.T) {
	const year = 365 * 24 * time.Hour
	for _, policy := range []Misfire{MisfireCoalesce, MisfireSkip, MisfireCatchUp, MisfireCoalesceEarliest} {
		for _, window := range []time.Duration{0, 24 * time.Hour} {
			t.Run(policy.String()+"/"+window.String(), func(t *testing.T) {
				var events []Event
				s := budgetEnv(t, &events)
				tr := &counting{tr: MustCron("* * * * * *")}
				opts := []JobOption{WithMisfire(policy)}
				if window > 0 {
					opts = append(opts, WithCatchupWindow(window))
				}
				j, err := Schedule(s, tr, func(context.Context) (int, error) { return 0, nil }, opts...)
				require.NoError(t, err)
				tick := c0.Add(time.Second)
				now := tick.Add(year) // a tick: the late ones are tick ... now-1s
				tr.calls.Store(0)
				p := j.misfire(tick, now)
				j.misfired(tick, now, p)
				calls := int(tr.calls.Load())
				require.LessOrEqual(t, calls, userBudget+misfireExtra)
				require.Greater(t, calls, userBudget*2/3, "the budget is used, not left idle")
				require.Len(t, events, 1)
				ev := events[0]
				require.True(t, ev.MissedAtLeast, "missed %d of %d", ev.Missed, int(year/time.Second))
				require.Less(t, ev.Missed, int(year/time.Second))
				require.True(t, now.Add(-time.Second).Equal(p.lastLate), "the last late tick: %v", p.lastLate)
				kept := tick
				if window > 0 {
					kept = now.Add(-window)
				}
				switch policy {
				case MisfireCoalesce:
					require.True(t, now.Equal(p.run), "the latest tick, now: %v", p.run)
					require.Equal(t, ev.Missed, ev.Dropped, "the tick that runs is on time: every late one is dropped")
				case MisfireCoalesceEarliest:
					require.True(t, kept.Equal(p.run), "the earliest tick kept: %v", p.run)
					require.Equal(t, ev.Missed-1, ev.Dropped, "all but the one that runs")
				case MisfireSkip:
					require.True(t, p.run.IsZero())
					require.Equal(t, ev.Missed, ev.Dropped)
				case MisfireCatchUp:
					runs := ev.Missed - ev.Dropped // what the other half found: the last late ticks
					require.LessOrEqual(t, ev.Missed-runs, userBudget/2+2, "the counts leave half the budget to the ticks that run")
					require.Greater(t, runs, userBudget/4)
					require.Less(t, runs, maxCatchUp)
					require.True(t, now.Add(-time.Duration(runs)*time.Second).Equal(p.run), "the first of the last %d: %v", runs, p.run)
				}
				require.True(t, p.next.After(p.run), "next %v after run %v", p.next, p.run)
			})
		}
	}
}

// TestMisfireBudgetExact checks that where the budget suffices, every
// trigger, walked or not, is counted exactly under every policy: the
// ticks older than the window, the late ones, the last late tick and the
// tick that runs, against a visit of every tick.
func TestMisfireBudgetExact(t *testing.T) {
	const window, gap = 20 * time.Minute, 40 * time.Minute // MisfireCatchUp's counts have half the budget
	triggers := []struct {
		name string
		tr   Trigger
	}{
		{"and", And(MustCron("*/2 * * * * *"), MustCron("*/3 * * * * *"))},
		{"except", Except(MustCron("* * * * * *"), MustCron("* 0 * * * *"))},
		{"or", Or(MustCron("*/2 * * * * *"), MustCron("*/3 * * * * *"))},
		{"user", &counting{tr: MustCron("*/5 * * * * *")}},
	}
	for _, trig := range triggers {
		for _, policy := range []Misfire{MisfireCoalesce, MisfireSkip, MisfireCatchUp, MisfireCoalesceEarliest} {
			t.Run(trig.name+"/"+policy.String(), func(t *testing.T) {
				var events []Event
				s := budgetEnv(t, &events)
				j, err := Schedule(s, trig.tr, func(context.Context) (int, error) { return 0, nil },
					WithMisfire(policy), WithCatchupWindow(window))
				require.NoError(t, err)
				tick := trig.tr.Next(c0.Add(50 * time.Minute)) // minute 0, excluded by Except, in the span
				now := tick.Add(gap)
				var old, late []time.Time
				for x := tick; x.Before(now); x = trig.tr.Next(x) {
					if now.Sub(x) > window {
						old = append(old, x)
					} else {
						late = append(late, x)
					}
				}
				p := j.misfire(tick, now)
				require.False(t, p.atLeast)
				require.Equal(t, len(old)+len(late), p.missed)
				require.True(t, late[len(late)-1].Equal(p.lastLate))
				dropped := len(old) + len(late) // Dropped: the late ticks that do not run
				switch policy {
				case MisfireCoalesce:
					want := late[len(late)-1]
					if n := trig.tr.Next(want); !n.After(now) {
						want = n // on time: every late tick is dropped
					} else {
						dropped--
					}
					require.True(t, want.Equal(p.run), "want %v, got %v", want, p.run)
				case MisfireCoalesceEarliest:
					require.True(t, late[0].Equal(p.run))
					dropped--
				case MisfireSkip:
					require.True(t, p.run.IsZero())
				case MisfireCatchUp:
					dropped -= min(len(late), maxCatchUp)
					require.True(t, late[max(0, len(late)-maxCatchUp)].Equal(p.run))
				}
				require.Equal(t, dropped, p.dropped)
			})
		}
	}
}

// TestExceptWalkAsNext checks that walking an Except by its members
// yields what asking the job's Next tick after tick yields, for every
// kind of skip: a Cron naming minutes or seconds (in its own zone too,
// across clock changes), a trigger whose instants it excludes, and
// combinators; and that an Except it cannot walk so is left to Next.
func TestExceptWalkAsNext(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	lh := mustLoad(t, "Australia/Lord_Howe")
	march := time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)  // New York springs forward on the 8th
	fall := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC) // and falls back on November 1st
	friday := time.Date(2026, 1, 2, 23, 0, 0, 0, time.UTC)
	user := &counting{tr: MustCron("*/7 * * * * *")}
	tests := []walkCase{
		{"seconds", Except(mustTrigger(t, "* * * * * *"), mustTrigger(t, "* 0 * * * *")), time.UTC, c0, 3 * time.Hour, time.Time{}, true},
		{"minutes, spring forward", Except(Every(7*time.Second), mustTrigger(t, "* 1-3 * * *")), ny, march, 2 * 24 * time.Hour, time.Time{}, true},
		{"minutes, fall back", Except(mustTrigger(t, "0 */5 * * * *"), mustTrigger(t, "* 1 * * *")), ny, fall, 2 * 24 * time.Hour, time.Time{}, true},
		{"skip in its zone", Except(mustTrigger(t, "0 * * * * *"), mustTrigger(t, "CRON_TZ=Asia/Kolkata * 9 * * *")), lh, c0, 2 * 24 * time.Hour, time.Time{}, true},
		{"weekend", Except(Every(time.Minute), mustTrigger(t, "* * * * sat-sun")), time.UTC, friday, 5 * 24 * time.Hour, time.Time{}, true},
		{"instants", Except(mustTrigger(t, "*/10 * * * * *"), Every(30*time.Second)), time.UTC, c0, time.Hour, time.Time{}, true},
		{"or of skips", Except(mustTrigger(t, "*/10 * * * * *"), Or(Every(30*time.Second), mustTrigger(t, "* 5 * * * *"))), ny, c0, 3 * time.Hour, time.Time{}, true},
		{"except as skip", Except(Every(time.Minute), Except(mustTrigger(t, "* 1 * * *"), mustTrigger(t, "30 1 * * *"))), time.UTC, c0, 2 * 24 * time.Hour, time.Time{}, true},
		{"at ends", Except(At(c0.Add(time.Minute), c0.Add(2*time.Minute), c0.Add(3*time.Minute)), At(c0.Add(2*time.Minute))), time.UTC, c0, time.Hour, time.Time{}, true},
		{"stop", Except(mustTrigger(t, "* * * * * *"), mustTrigger(t, "*/2 * * * * *")), time.UTC, c0, time.Hour, c0.Add(10 * time.Minute), true},
		{"too many skipped: ends", Except(mustTrigger(t, "* * * * * *"), mustTrigger(t, "* * * 2-5 * *")), time.UTC, c0.Add(-time.Hour), 3 * 24 * time.Hour, time.Time{}, true},
		{"a user's skip: walked by Next", Except(mustTrigger(t, "* * * * * *"), user), time.UTC, c0, time.Hour, time.Time{}, false},
		{"an Or to walk: walked by Next", Except(Or(Every(time.Minute)), mustTrigger(t, "* 1 * * *")), time.UTC, c0, 3 * time.Hour, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := spanOf(t, tt.tr, tt.loc, tt.from, tt.from.Add(tt.span), false, tt.stop)
			e := tt.tr.(except)
			require.Equal(t, tt.fixed, fixedMembers([]Trigger{e.t}) && fixedTree(e.skip))
			got := requireWalkAsNext(t, sp)
			if tt.name == "too many skipped: ends" { // 4 days excluded: more than nextLimits.skips seconds
				require.True(t, c0.Add(24*time.Hour-time.Second).Equal(got[len(got)-1]), "got %v", got[len(got)-1])
			}
		})
	}
}
