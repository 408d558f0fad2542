package periodic_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// month is the suspension of the tests below: 2,592,000 per-second ticks.
const month = 30 * 24 * time.Hour

// monthTriggers are per-second triggers the scheduler counts in closed
// form (exact) and one it walks (Or: a lower bound past 5,000 ticks).
func monthTriggers(t testing.TB) []struct {
	name  string
	tr    periodic.Trigger
	exact bool
	match func(sec int64) bool
} {
	cron := func(expr string) periodic.Trigger {
		tr, err := periodic.Cron(expr)
		require.NoError(t, err)
		return tr
	}
	return []struct {
		name  string
		tr    periodic.Trigger
		exact bool
		match func(sec int64) bool
	}{
		{"cron", cron("* * * * * *"), true, every},
		{"@every", cron("@every 1s"), true, every},
		{"or", periodic.Or(cron("*/2 * * * * *"), cron("*/3 * * * * *")), false,
			func(s int64) bool { return s%2 == 0 || s%3 == 0 }},
	}
}

func every(int64) bool { return true }

// lateTicks returns how many of the whole seconds in (from, until) match,
// and the last 1,000 of them (tests need no walk of Next to know).
func lateTicks(match func(sec int64) bool, from, until time.Time) (int, []time.Time) {
	n, last := 0, until.Unix()
	var ring []time.Time
	for s := last - 1; s > from.Unix(); s-- { // the last 1,000, backwards
		if match(s) && len(ring) < 1000 {
			ring = append(ring, time.Unix(s, 0).UTC())
		}
		if match(s) {
			n++
		}
	}
	slices.Reverse(ring)
	return n, ring
}

// TestMisfireMonth suspends a per-second job for 30 days and checks each
// policy: what the misfire event says, what runs, Stats.Dropped, and
// where ticking resumes.
func TestMisfireMonth(t *testing.T) {
	for _, trig := range monthTriggers(t) {
		for _, policy := range []periodic.Misfire{periodic.MisfireCoalesce, periodic.MisfireSkip, periodic.MisfireCatchUp} {
			t.Run(trig.name+"/"+policy.String(), func(t *testing.T) {
				var misfires []periodic.Event
				e := newEnv(t, quiet, periodic.WithMisfireGrace(0), periodic.WithHooks(periodic.Hooks{
					OnMisfire: func(ev periodic.Event) { misfires = append(misfires, ev) }}))
				var ticks []time.Time
				job, err := periodic.Schedule(e.s, trig.tr, func(ctx context.Context) (int, error) {
					ticks = append(ticks, periodic.TickFrom(ctx))
					return 0, nil
				}, periodic.WithMisfire(policy))
				require.NoError(t, err)
				e.s.Start()
				e.advance(3 * time.Second)
				first := ticks[len(ticks)-1]
				ticks = nil
				e.jump(month)
				now := at(3).Add(month)
				n, late := lateTicks(trig.match, first, now)
				require.Len(t, misfires, 1)
				ev := misfires[0]
				require.True(t, ev.Tick.Equal(trig.tr.Next(first)), ev.Tick)
				require.Equal(t, !trig.exact, ev.MissedAtLeast)
				if trig.exact {
					require.Equal(t, n, ev.Missed)
				} else {
					require.Equal(t, 2000, ev.Missed) // the walk's cap
				}
				require.Equal(t, ev.Missed, job.Stats().Misfires)
				onTime := trig.tr.Next(now.Add(-time.Nanosecond))
				switch policy {
				case periodic.MisfireCoalesce:
					latest, dropped := late[len(late)-1], ev.Missed-1
					if onTime.Equal(now) {
						latest, dropped = now, ev.Missed // the tick on time runs: every late one is dropped
					}
					require.Equal(t, []time.Time{latest}, ticks)
					require.Equal(t, dropped, job.Stats().Dropped)
				case periodic.MisfireSkip:
					var want []time.Time
					if onTime.Equal(now) {
						want = append(want, now)
					}
					require.Equal(t, want, ticks)
					require.Equal(t, ev.Missed, job.Stats().Dropped, "none of the late ticks runs")
				case periodic.MisfireCatchUp:
					want := late
					if onTime.Equal(now) {
						want = append(want, now)
					}
					require.Equal(t, want, ticks)
					require.Equal(t, ev.Missed-1000, job.Stats().Dropped)
				}
				require.True(t, job.NextRun().Equal(trig.tr.Next(now)), job.NextRun())
			})
		}
	}
}

// BenchmarkMisfireMonth is the time the dispatcher spends on the misfire
// bookkeeping of one per-second job suspended for 30 days (the release
// of what is due included; MisfireSkip runs nothing): the triggers of
// TestMisfireMonth, then And and Except, which are walked, with and
// without a one-day catch-up window (count.go: one budget of Next calls
// for the whole misfire).
func BenchmarkMisfireMonth(b *testing.B) {
	type bench struct {
		name   string
		tr     periodic.Trigger
		window time.Duration
	}
	var benches []bench
	for _, trig := range monthTriggers(b) {
		benches = append(benches, bench{trig.name, trig.tr, 0})
	}
	and := periodic.And(periodic.MustCron("*/2 * * * * *"), periodic.MustCron("*/3 * * * * *"))
	except := periodic.Except(periodic.MustCron("* * * * * *"), periodic.MustCron("* 0 * * * *"))
	benches = append(benches, bench{"and", and, 0}, bench{"and/window", and, 24 * time.Hour},
		bench{"except", except, 0}, bench{"except/window", except, 24 * time.Hour})
	for _, bc := range benches {
		for _, policy := range []periodic.Misfire{periodic.MisfireSkip, periodic.MisfireCatchUp} {
			b.Run(bc.name+"/"+policy.String(), func(b *testing.B) {
				b.ReportAllocs()
				opts := []periodic.JobOption{periodic.WithMisfire(policy)}
				if bc.window > 0 {
					opts = append(opts, periodic.WithCatchupWindow(bc.window))
				}
				for b.Loop() {
					b.StopTimer()
					e := newEnv(&testing.T{}, quiet, periodic.WithMisfireGrace(0))
					_, err := periodic.Schedule(e.s, bc.tr, func(context.Context) (int, error) { return 0, nil }, opts...)
					require.NoError(b, err)
					e.s.Start()
					e.advance(3 * time.Second)
					b.StartTimer()
					e.jump(month)
					b.StopTimer()
					require.NoError(b, e.s.Shutdown(context.Background()))
					b.StartTimer()
				}
			})
		}
	}
}
