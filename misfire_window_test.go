package periodic_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// TestCatchUpWindowWalkedTrigger suspends an Or of two crons for an hour
// under MisfireCatchUp and a 10-minute catch-up window: the event counts
// the ticks there were (exactly: the walk of the ticks to run takes in
// every late tick), and catch-up runs the ticks within the window only,
// from the first of them. The window's walk once started before the
// window and counted ticks that never were (Missed 2,999 "at least" of
// 2,399), running ticks from 35m02s.
func TestCatchUpWindowWalkedTrigger(t *testing.T) {
	var mu sync.Mutex
	var evs []periodic.Event
	var ticks []time.Time
	e := newEnv(t, quiet, periodic.WithHooks(periodic.Hooks{OnMisfire: func(ev periodic.Event) {
		mu.Lock()
		defer mu.Unlock()
		evs = append(evs, ev)
	}}))
	or := periodic.Or(periodic.MustCron("*/2 * * * * *"), periodic.MustCron("*/3 * * * * *"))
	_, err := periodic.Schedule(e.s, or, func(ctx context.Context) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		ticks = append(ticks, periodic.TickFrom(ctx))
		return 0, nil
	}, periodic.WithMisfire(periodic.MisfireCatchUp), periodic.WithCatchupWindow(10*time.Minute))
	require.NoError(t, err)
	e.s.Start()
	e.advance(2 * time.Second) // ran at 2 s; the next tick is 3 s
	e.jump(time.Hour)          // now 3602 s: late ticks from 3 s to 3600 s, 2,399 (4 of every 6 s)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, evs, 1)
	require.Equal(t, at(3), evs[0].Tick)
	require.Equal(t, 2_399, evs[0].Missed)
	require.False(t, evs[0].MissedAtLeast)
	require.Equal(t, 1_999, evs[0].Dropped, "the ticks before 50m02s: 3 s to 3001 s")
	require.Equal(t, 1+400+1, len(ticks), "the 2 s tick, every tick of the window (3002 s to 3600 s), then 3602 s on time")
	require.Equal(t, at(3002), ticks[1], "the window starts at 50m02s: 3002 s is its first tick")
	require.Equal(t, at(3600), ticks[400])
	require.Equal(t, at(3602), ticks[401])
}

// TestCatchUpWindowKeepsFutureTick jumps an hourly job's clock to 1h15m
// under a 10-minute catch-up window: the 1h tick is older than the window
// and dropped, and the 2h tick, 45 minutes away, runs at 2h under every
// policy, not at once.
func TestCatchUpWindowKeepsFutureTick(t *testing.T) {
	for _, pol := range []periodic.Misfire{periodic.MisfireSkip, periodic.MisfireCatchUp, periodic.MisfireCoalesce, periodic.MisfireCoalesceEarliest} {
		t.Run(pol.String(), func(t *testing.T) {
			var evs []periodic.Event
			e := newEnv(t, quiet, periodic.WithHooks(periodic.Hooks{OnMisfire: func(ev periodic.Event) { evs = append(evs, ev) }}))
			_, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
				e.printf("run tick %v", periodic.TickFrom(ctx).Sub(t0))
				return 0, nil
			}, periodic.WithMisfire(pol), periodic.WithCatchupWindow(10*time.Minute))
			require.NoError(t, err)
			e.s.Start()
			e.advance(0) // Every's first tick is at 1h
			e.jump(time.Hour + 15*time.Minute)
			require.Empty(t, e.lines(), "nothing is due: the 2h tick is 45 min away")
			require.Len(t, evs, 1)
			require.Equal(t, periodic.Event{Kind: periodic.EventMisfire, Job: evs[0].Job, Tick: at(3600), Missed: 1, Dropped: 1, Start: at(4500)}, evs[0])
			e.advance(45*time.Minute - time.Second)
			require.Empty(t, e.lines())
			e.advance(time.Second)
			require.Equal(t, []string{"7200s run tick 2h0m0s"}, e.lines())
		})
	}
}
