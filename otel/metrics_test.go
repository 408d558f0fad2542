package periodicotel_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	periodicotel "github.com/periodic-go/periodic/otel"
	"github.com/stretchr/testify/require"
)

// TestOutcomes runs each outcome and checks the run counter and the
// duration histogram by job and outcome, and the outcome and status on
// each run's span: a tick claimed elsewhere and a cancelled run are not
// errors, a store error is. A tick claimed elsewhere did not run here: it
// counts under its outcome, and records no duration, no lateness and no
// attempt.
func TestOutcomes(t *testing.T) {
	locker := lockerFunc(func(job string) error {
		switch job {
		case "claimed":
			return fmt.Errorf("%w: by replica b", periodic.ErrClaimed)
		case "store":
			return errors.New("redis down")
		}
		return nil
	})
	e := newEnv(t, periodic.WithLocker(locker))
	work, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), sleeper(4*time.Second), periodic.WithName("work"))
	require.NoError(t, err)
	_, err = periodic.Schedule(e.s, periodic.Every(10*time.Second), sleeper(15*time.Second),
		periodic.WithName("slow"), periodic.WithOverlap(periodic.OverlapSkip))
	require.NoError(t, err)
	for _, name := range []string{"claimed", "store"} {
		_, err = periodic.Schedule(e.s, periodic.Every(10*time.Second), sleeper(time.Second), periodic.WithName(name))
		require.NoError(t, err)
	}
	e.s.Start()
	e.advance(20 * time.Second)
	f := work.RunNow() // at 20 s, cancelled at 22 s
	e.advance(2 * time.Second)
	require.True(t, f.Cancel())
	e.advance(3 * time.Second) // to 25 s: every run has returned

	require.Equal(t, []string{
		"claimed/claimed_elsewhere 2",
		"slow/skipped 1",
		"slow/succeeded 1",
		"store/store_error 2",
		"work/cancelled 1",
		"work/succeeded 2",
	}, e.points("periodic.run.count"))
	require.Equal(t, []string{
		"slow/succeeded count=1 sum=15 min=15 max=15 buckets=[le30:1]",
		"store/store_error count=2 sum=0 min=0 max=0 buckets=[le0.005:2]",
		"work/cancelled count=1 sum=2 min=2 max=2 buckets=[le2.5:1]",
		"work/succeeded count=2 sum=8 min=4 max=4 buckets=[le5:2]",
	}, e.points("periodic.run.duration"))
	require.Equal(t, []string{"claimed 0", "slow 0", "store 0", "work 0"}, e.points("periodic.run.active"))
	require.Equal(t, []string{
		"slow count=1 sum=0 min=0 max=0 buckets=[le0.005:1]",
		"store count=2 sum=0 min=0 max=0 buckets=[le0.005:2]",
		"work count=3 sum=0 min=0 max=0 buckets=[le0.005:3]",
	}, e.points("periodic.run.start_lateness"))
	var claimed []string
	for _, s := range e.spans.Ended() {
		if s.Name() == "run claimed" {
			claimed = append(claimed, spanLines(s)...)
		}
	}
	require.Equal(t, []string{
		"run claimed 10s-10s internal {periodic.job.name=claimed periodic.run.outcome=claimed_elsewhere periodic.run.tick=10s} status=Unset",
		"run claimed 20s-20s internal {periodic.job.name=claimed periodic.run.outcome=claimed_elsewhere periodic.run.tick=20s} status=Unset",
	}, claimed)

	outcomes := map[string]string{}
	for _, s := range e.spans.Ended() {
		for _, kv := range s.Attributes() {
			if kv.Key == "periodic.run.outcome" {
				outcomes[fmt.Sprintf("%s %s-%s", s.Name(), sec(s.StartTime()), sec(s.EndTime()))] =
					kv.Value.AsString() + " " + s.Status().Code.String()
			}
		}
	}
	require.Equal(t, map[string]string{
		"run work 10s-14s":    "succeeded Unset",
		"run work 20s-24s":    "succeeded Unset",
		"run work 20s-22s":    "cancelled Unset",
		"run slow 10s-25s":    "succeeded Unset",
		"run claimed 10s-10s": "claimed_elsewhere Unset",
		"run claimed 20s-20s": "claimed_elsewhere Unset",
		"run store 10s-10s":   "store_error Error",
		"run store 20s-20s":   "store_error Error",
	}, outcomes)
}

// TestLatenessMisfiresAndGauges checks the start lateness histogram, the
// misfire and drop counters after a jump of the clock, the runs in flight
// as they start and return, and the next-run gauge until Unregister.
func TestLatenessMisfiresAndGauges(t *testing.T) {
	e := newEnv(t)
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), sleeper(2*time.Second),
		periodic.WithName("late"), periodic.WithCatchupWindow(25*time.Second))
	require.NoError(t, err)
	reg, err := e.in.Observe(e.s)
	require.NoError(t, err)
	require.Nil(t, e.points("periodic.run.active"))
	require.Nil(t, e.points("periodic.job.next_run")) // not started: no next run yet
	e.s.Start()
	require.Equal(t, []string{"late 10s"}, e.points("periodic.job.next_run"))
	e.advance(10 * time.Second)
	require.Equal(t, []string{"late 1"}, e.points("periodic.run.active"))
	e.advance(2 * time.Second)
	require.Equal(t, []string{"late 0"}, e.points("periodic.run.active"))

	// To 55 s: tick 20 is older than the window and dropped; 30, 40 and
	// 50 are late; the coalesced run of tick 50 starts 5 s late, and 30
	// and 40 never run: 3 dropped.
	e.jump(43 * time.Second)
	require.Equal(t, []string{"late 4"}, e.points("periodic.tick.misfired"))
	require.Equal(t, []string{"late 3"}, e.points("periodic.tick.dropped"))
	require.Equal(t, []string{"late 1"}, e.points("periodic.run.active"))
	require.Equal(t, []string{"late count=1 sum=0 min=0 max=0 buckets=[le0.005:1]"},
		e.points("periodic.run.start_lateness")) // recorded as runs end
	require.Equal(t, []string{"late 60s"}, e.points("periodic.job.next_run"))
	e.advance(2 * time.Second)
	require.Equal(t, []string{"late count=2 sum=5 min=0 max=5 buckets=[le0.005:1 le5:1]"},
		e.points("periodic.run.start_lateness"))
	require.Equal(t, []string{"late/succeeded count=2 sum=4 min=2 max=2 buckets=[le2.5:2]"},
		e.points("periodic.run.duration"))

	require.NoError(t, reg.Unregister())
	require.Nil(t, e.points("periodic.job.next_run"))
	require.Equal(t, []string{
		"run late 55s-57s internal {periodic.job.name=late periodic.run.attempt=1 periodic.run.outcome=succeeded periodic.run.start_lateness=5 periodic.run.tick=50s} status=Unset",
	}, e.ended()[1:])
}

// TestNewRejectsNil checks that nil providers and schedulers are errors
// naming the bad argument.
func TestNewRejectsNil(t *testing.T) {
	cases := []struct {
		opt  periodicotel.Option
		want string
	}{
		{periodicotel.WithTracerProvider(nil), "periodicotel: WithTracerProvider(nil)"},
		{periodicotel.WithMeterProvider(nil), "periodicotel: WithMeterProvider(nil)"},
	}
	for _, c := range cases {
		in, err := periodicotel.New(c.opt)
		require.EqualError(t, err, c.want)
		require.Nil(t, in)
	}
	e := newEnv(t)
	_, err := e.in.Observe(nil)
	require.EqualError(t, err, "periodicotel: Observe(nil)")
}
