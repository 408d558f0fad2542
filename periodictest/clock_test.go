package periodictest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// timeline records what happened, stamped with the clock's offset from
// start; jobs and timer functions write it from their goroutines.
type timeline struct {
	c     clock.Clock
	mu    sync.Mutex
	lines []string
}

func (l *timeline) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%v ", l.c.Now().Sub(start))+fmt.Sprintf(format, args...))
}

func (l *timeline) got() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lines
}

// clockCases are scenarios of timers made through the scheduler's clock
// by user code, next to a job Every(10s) that logs its ticks. Each runs on
// *clock.Mock and on Clock; both must give the timeline want.
var clockCases = []struct {
	name string
	// setup runs before Start; then each step is an Advance by that much,
	// followed by the function setup returned, if any, in the test's
	// goroutine.
	setup func(c clock.Clock, l *timeline) (after func(step int))
	steps []time.Duration
	want  []string
}{{
	// The issue: a timer's function arms another; both see their own
	// instants, between the job's ticks.
	name: "AfterFunc arms AfterFunc",
	setup: func(c clock.Clock, l *timeline) func(int) {
		c.AfterFunc(15*time.Second, func() {
			l.add("f1")
			c.AfterFunc(2*time.Second, func() { l.add("f2") })
		})
		return nil
	},
	steps: []time.Duration{35 * time.Second},
	want:  []string{"10s tick", "15s f1", "17s f2", "20s tick", "30s tick"},
}, {
	// Reset inside the function re-arms the timer from the function's
	// instant; a timer due with a tick fires before it.
	name: "Reset inside the function",
	setup: func(c clock.Clock, l *timeline) func(int) {
		var t *clock.Timer
		n := 0
		t = c.AfterFunc(3*time.Second, func() {
			n++
			l.add("fire %d", n)
			if n < 4 {
				t.Reset(time.Duration(n) * 3 * time.Second)
			}
		})
		return nil
	},
	steps: []time.Duration{25 * time.Second},
	want:  []string{"3s fire 1", "6s fire 2", "10s tick", "12s fire 3", "20s tick", "21s fire 4"},
}, {
	// A function stops a timer due later.
	name: "Stop from a function",
	setup: func(c clock.Clock, l *timeline) func(int) {
		var later *clock.Timer
		c.AfterFunc(4*time.Second, func() { l.add("stop later %t", later.Stop()) })
		later = c.AfterFunc(6*time.Second, func() { l.add("later fired") })
		return nil
	},
	steps: []time.Duration{12 * time.Second},
	want:  []string{"4s stop later true", "10s tick"},
}, {
	// Channels of a Timer, After and a Ticker hold the instants they
	// fired at; a full ticker channel drops ticks.
	name: "Timer, After, Ticker",
	setup: func(c clock.Clock, l *timeline) func(int) {
		tm, after, tk := c.Timer(4*time.Second), c.After(13*time.Second), c.Ticker(3*time.Second)
		return func(step int) {
			for i, ch := range []<-chan time.Time{tm.C, after, tk.C} {
				select {
				case t := <-ch:
					l.add("channel %d: %v", i, t.Sub(start))
				default:
					l.add("channel %d: empty", i)
				}
			}
			if step == 0 {
				tm.Reset(2 * time.Second)
				tk.Reset(5 * time.Second)
			} else {
				tk.Stop()
			}
		}
	},
	steps: []time.Duration{11 * time.Second, 5 * time.Second},
	want: []string{
		"10s tick", "11s channel 0: 4s", "11s channel 1: empty", "11s channel 2: 3s",
		"16s channel 0: 13s", "16s channel 1: 13s", "16s channel 2: 16s",
	},
}, {
	// Contexts with deadlines on the clock end at their instants, with
	// context.DeadlineExceeded, and so do the contexts derived from them.
	name: "WithTimeout and WithDeadline",
	setup: func(c clock.Clock, l *timeline) func(int) {
		ctx, cancel := c.WithTimeout(context.Background(), 12*time.Second)
		later, cancelLater := c.WithDeadline(ctx, start.Add(time.Hour))
		derived, cancelDerived := context.WithCancel(later)
		d, _ := later.Deadline()
		l.add("deadline %v", d.Sub(start))
		check := func() {
			l.add("ctx %v, derived %v", ctx.Err(), derived.Err())
		}
		c.AfterFunc(11*time.Second, check)
		c.AfterFunc(12*time.Second, check)
		return func(int) {
			cancelDerived()
			cancelLater()
			cancel()
		}
	},
	steps: []time.Duration{15 * time.Second},
	want: []string{
		"0s deadline 12s", "10s tick", "11s ctx <nil>, derived <nil>",
		"12s ctx context deadline exceeded, derived context deadline exceeded",
	},
}}

// TestClockFaithful runs each case on *clock.Mock and on Clock and checks
// that both give the expected timeline.
func TestClockFaithful(t *testing.T) {
	clocks := map[string]func() periodictest.Settable{
		"Mock": func() periodictest.Settable {
			m := clock.NewMock()
			m.Set(start)
			return m
		},
		"Clock": func() periodictest.Settable { return periodictest.NewClock(start) },
	}
	for _, tc := range clockCases {
		for _, name := range []string{"Mock", "Clock"} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				ctx := context.Background()
				c := clocks[name]()
				l := &timeline{c: c}
				s := periodic.New(periodic.WithClock(c))
				_, err := periodic.Schedule(s, periodic.Every(10*time.Second), func(context.Context) (int, error) {
					l.add("tick")
					return 0, nil
				})
				require.NoError(t, err)
				after := tc.setup(c, l)
				s.Start()
				for i, d := range tc.steps {
					require.NoError(t, periodictest.Advance(ctx, s, c, d))
					if after != nil {
						after(i)
					}
				}
				require.NoError(t, s.Shutdown(ctx))
				require.Equal(t, tc.want, l.got())
			})
		}
	}
}

// TestClockStepsTimersWithScheduler checks that Advance on a Clock stops
// at a timer made through it and waits until idle before it moves on: a
// timer's function starts a run at its own instant, and the run's Sleep
// ends at its exact deadline, between the timer and the next tick. On
// *clock.Mock both would be seen only at the next tick, 20 s.
func TestClockStepsTimersWithScheduler(t *testing.T) {
	ctx := context.Background()
	c := periodictest.NewClock(start)
	l := &timeline{c: c}
	s := periodic.New(periodic.WithClock(c))
	job, err := periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		l.add("run %v", periodic.TickFrom(ctx).Sub(start))
		if err := periodic.Sleep(ctx, time.Second); err != nil {
			return 0, err
		}
		l.add("woke")
		return 0, nil
	})
	require.NoError(t, err)
	var f *periodic.Future[int]
	s.Clock().AfterFunc(15*time.Second, func() { f = job.RunNow() })
	s.Start()
	require.NoError(t, periodictest.Advance(ctx, s, c, 21*time.Second))
	require.NoError(t, f.Err())
	require.NoError(t, s.Shutdown(ctx))
	require.Equal(t, []string{"10s run 10s", "11s woke", "15s run 15s", "16s woke", "20s run 20s", "21s woke"}, l.got())
}

// TestClockSetFiresInOrder checks Set and Add used without a scheduler:
// the timers due on the way fire in order, each at its instant, and a
// deadline context ends at its own instant.
func TestClockSetFiresInOrder(t *testing.T) {
	c := periodictest.NewClock(start)
	l := &timeline{c: c}
	for _, sec := range []int{5, 2, 9, 2} {
		c.AfterFunc(time.Duration(sec)*time.Second, func() { l.add("timer %ds", sec) })
	}
	ctx, cancel := c.WithTimeout(context.Background(), 7*time.Second)
	defer cancel()
	c.AfterFunc(7*time.Second, func() { l.add("ctx %v", ctx.Err()) })
	c.Add(8 * time.Second)
	require.Equal(t, []string{"2s timer 2s", "2s timer 2s", "5s timer 5s", "7s ctx context deadline exceeded"}, l.got())
	require.Equal(t, 8*time.Second, c.Since(start))
	c.Set(start.Add(time.Minute))
	require.Equal(t, "9s timer 9s", l.got()[4])
	require.Len(t, l.got(), 5)
	d, ok := ctx.Deadline()
	require.True(t, ok)
	require.Equal(t, start.Add(7*time.Second), d)
}

// TestClockSameInstant checks what *clock.Mock leaves to a race: timers
// due at one instant fire one at a time in the order they were made (or
// last fired, for one reset to fire again), each after the previous
// function returned, so one may stop the next.
func TestClockSameInstant(t *testing.T) {
	c := periodictest.NewClock(start)
	l := &timeline{c: c}
	var second, third *clock.Timer
	c.AfterFunc(4*time.Second, func() { l.add("first stops the second: %t", second.Stop()) })
	second = c.AfterFunc(4*time.Second, func() { l.add("second") })
	again := true
	third = c.AfterFunc(4*time.Second, func() {
		l.add("third, again: %t", again)
		if again {
			again = false
			third.Reset(0)
		}
	})
	c.AfterFunc(4*time.Second, func() { l.add("fourth") })
	c.Add(4 * time.Second)
	require.Equal(t, []string{
		"4s first stops the second: true", "4s third, again: true", "4s fourth", "4s third, again: false",
	}, l.got())
}

// TestClockPastDurations checks that timers for zero or negative
// durations fire at the clock's time, which never goes back.
func TestClockPastDurations(t *testing.T) {
	c := periodictest.NewClock(start)
	l := &timeline{c: c}
	c.Add(time.Minute)
	c.AfterFunc(-time.Hour, func() { l.add("negative") })
	c.AfterFunc(0, func() { l.add("zero") })
	ch := c.After(-time.Second)
	ctx, cancel := c.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	require.ErrorIs(t, ctx.Err(), context.DeadlineExceeded)
	c.Add(0)
	require.Equal(t, []string{"1m0s negative", "1m0s zero"}, l.got())
	require.Equal(t, start.Add(time.Minute), <-ch)
	require.Equal(t, start.Add(time.Minute), c.Now())
}
