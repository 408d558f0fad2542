package periodic_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// TestMisfireBatchBudget suspends five jobs for 30 days at once: a Cron,
// counted in closed form, then four of And, walked. The misfires released
// at one instant share one budget of trigger calls: the first And spends
// most of it, the three after it count only a few ticks each (the floor),
// every walked count says it is a lower bound, and the Cron's is exact.
// Run twice, the same timeline gives the same events.
func TestMisfireBatchBudget(t *testing.T) {
	run := func() []periodic.Event {
		e, log := misfireEnv(t)
		triggers := []periodic.Trigger{periodic.MustCron("*/6 * * * * *")}
		for range 4 {
			triggers = append(triggers, periodic.And(periodic.MustCron("*/2 * * * * *"), periodic.MustCron("*/3 * * * * *")))
		}
		for i, tr := range triggers {
			_, err := periodic.Schedule(e.s, tr, func(context.Context) (int, error) { return 0, nil },
				periodic.WithMisfire(periodic.MisfireSkip), periodic.WithName(string(rune('a'+i))))
			require.NoError(t, err)
		}
		e.s.Start()
		e.advance(6 * time.Second) // each ran at 6 s; the next tick, 12 s, is late after the jump
		e.jump(month)
		return log.all()
	}
	events := run()
	require.Len(t, events, 5)
	type seen struct {
		job     string
		missed  int
		atLeast bool
	}
	var got []seen
	for _, ev := range events {
		require.True(t, at(12).Equal(ev.Tick), ev.Tick)
		require.Equal(t, ev.Missed, ev.Dropped, "MisfireSkip runs none of them")
		got = append(got, seen{ev.Job, ev.Missed, ev.MissedAtLeast})
	}
	late := int((month - 6*time.Second) / (6 * time.Second)) // 12 s ... the jump's end, excluded
	require.Equal(t, []seen{
		{"a", late, false}, // closed form: no call
		{"b", 1200, true},  // the budget, 5 members asked a tick
		{"c", 13, true},    // the floor: what finding the next tick needs
		{"d", 13, true},
		{"e", 13, true},
	}, got)
	require.Equal(t, events, run(), "the same timeline, the same counts")
}

// TestMisfireBatchCatchUp suspends two MisfireCatchUp jobs of an Or,
// walked, for 30 days at once: the second counts with what the first
// left of the instant's budget, but each still finds, and runs, its
// latest 1,000 late ticks, the walk of the ticks that run being its own.
func TestMisfireBatchCatchUp(t *testing.T) {
	e, log := misfireEnv(t)
	var mu sync.Mutex // guards ticks
	or := periodic.Or(periodic.MustCron("*/2 * * * * *"), periodic.MustCron("*/3 * * * * *"))
	ticks := map[string][]time.Time{}
	for _, name := range []string{"a", "b"} {
		_, err := periodic.Schedule(e.s, or, func(ctx context.Context) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			ticks[name] = append(ticks[name], periodic.TickFrom(ctx))
			return 0, nil
		}, periodic.WithMisfire(periodic.MisfireCatchUp), periodic.WithName(name))
		require.NoError(t, err)
	}
	e.s.Start()
	e.advance(3 * time.Second) // each ran at 2 s and 3 s; the next tick, 4 s, is late after the jump
	e.jump(month)
	now := at(3).Add(month)
	_, late := lateTicks(func(s int64) bool { return s%2 == 0 || s%3 == 0 }, at(3), now)
	want := append(late, now) // now is a tick, on time
	events := log.all()
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, events, 2)
	for i, name := range []string{"a", "b"} {
		ev := events[i]
		require.Equal(t, name, ev.Job)
		require.True(t, ev.MissedAtLeast)
		require.Equal(t, ev.Missed-1000, ev.Dropped)
		require.Equal(t, want, ticks[name][2:], name)
	}
	require.Equal(t, []int{2000, 1396}, []int{events[0].Missed, events[1].Missed}, "a counted to the walk's cap, b with what a left")
}

// misfireLog keeps the misfire events a scheduler reports.
type misfireLog struct {
	mu     sync.Mutex
	events []periodic.Event
}

// all returns the events so far.
func (l *misfireLog) all() []periodic.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.events
}

// misfireEnv is an env whose every late tick misfires (no grace) and
// whose misfire events are kept in the log it returns.
func misfireEnv(t *testing.T) (*env, *misfireLog) {
	log := &misfireLog{}
	e := newEnv(t, quiet, periodic.WithMisfireGrace(0), periodic.WithHooks(periodic.Hooks{OnMisfire: func(ev periodic.Event) {
		log.mu.Lock()
		defer log.mu.Unlock()
		log.events = append(log.events, ev)
	}}))
	return e, log
}
