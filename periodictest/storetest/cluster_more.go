package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/periodic-go/periodic"
)

// lines builds timeline lines "true-time replica what tick" from
// triples of seconds since day.
func lines(spec ...any) []string {
	var out []string
	for i := 0; i+3 < len(spec)+1; i += 4 {
		out = append(out, fmt.Sprintf("%s %s %s %s", at(spec[i].(time.Duration)), spec[i+1], spec[i+2], at(spec[i+3].(time.Duration))))
	}
	return sorted(out)
}

// s returns n seconds.
func s(n int) time.Duration { return time.Duration(n) * time.Second }

// testClusterBackward: a replica restarted with its clock 5 s behind the
// last claimed tick claims those ticks again; the mark refuses them.
func testClusterBackward(t *testing.T, st periodic.Store) {
	c := newCluster(t, st, 0)
	r := c.add("r0", 0)
	r.schedule(periodic.Every(time.Second), 0)
	r.s.Start()
	c.advance(s(10), time.Second)
	r.stop()
	r = c.add("late", -5*time.Second)
	r.schedule(periodic.Every(time.Second), 0)
	r.s.Start()
	c.advance(s(7), time.Second)
	var want []any
	for k := 1; k <= 10; k++ {
		want = append(want, s(k), "r0", "start", s(k), s(k), "r0", "end", s(k))
	}
	for k := 6; k <= 10; k++ {
		want = append(want, s(k+5), "late", "lost", s(k))
	}
	want = append(want, s(16), "late", "start", s(11), s(16), "late", "end", s(11),
		s(17), "late", "start", s(12), s(17), "late", "end", s(12))
	require.Equal(t, lines(want...), c.timeline())
}

// testRestartMisfire: a job every 10 minutes runs on one replica until
// 02:00; no replica runs from 02:00 to 03:05; the replica started at
// 03:05 resumes from the last claimed tick, 02:00, and the ticks 02:10 to
// 03:00 go to the job's Misfire policy and catch-up window.
func testRestartMisfire(t *testing.T, st periodic.Store) {
	min10 := 10 * time.Minute
	hm := func(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }
	for _, tc := range []struct {
		name string
		opts []periodic.JobOption
		runs []time.Duration // ticks run at 03:05
	}{
		{"Coalesce", nil, []time.Duration{hm(3, 0)}},
		{"Skip", []periodic.JobOption{periodic.WithMisfire(periodic.MisfireSkip)}, nil},
		{"CatchUp", []periodic.JobOption{periodic.WithMisfire(periodic.MisfireCatchUp)},
			[]time.Duration{hm(2, 10), hm(2, 20), hm(2, 30), hm(2, 40), hm(2, 50), hm(3, 0)}},
		{"CatchUpWindow", []periodic.JobOption{periodic.WithMisfire(periodic.MisfireCatchUp), periodic.WithCatchupWindow(25 * time.Minute)},
			[]time.Duration{hm(2, 40), hm(2, 50), hm(3, 0)}},
		{"CoalesceEarliest", []periodic.JobOption{periodic.WithMisfire(periodic.MisfireCoalesceEarliest)}, []time.Duration{hm(2, 10)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, st, hm(1, 0))
			c.job = "restart-" + tc.name
			r := c.add("old", 0)
			r.schedule(periodic.Every(min10), 0, tc.opts...)
			r.s.Start()
			c.advance(time.Hour, min10)
			r.stop()
			_ = c.timeline()
			c.advance(hm(1, 5), time.Hour) // nobody up
			r = c.add("new", 0)
			r.schedule(periodic.Every(min10), 0, tc.opts...)
			r.s.Start()
			c.advance(5*time.Minute, 5*time.Minute)
			var want []any
			for _, tick := range tc.runs {
				want = append(want, hm(3, 5), "new", "start", tick, hm(3, 5), "new", "end", tick)
			}
			want = append(want, hm(3, 10), "new", "start", hm(3, 10), hm(3, 10), "new", "end", hm(3, 10))
			require.Equal(t, lines(want...), c.timeline())
		})
	}
}

// testRestartDaily: a job at 02:30 every day; the service is down from
// 02:00 to 03:00. Under MisfireCoalesce the replica started at 03:00
// runs the 02:30 tick at once; under MisfireSkip it waits for tomorrow.
func testRestartDaily(t *testing.T, st periodic.Store) {
	trig, err := periodic.Cron("30 2 * * *")
	require.NoError(t, err)
	for _, m := range []periodic.Misfire{periodic.MisfireCoalesce, periodic.MisfireSkip} {
		t.Run(m.String(), func(t *testing.T) {
			c := newCluster(t, st, -22*time.Hour) // 02:00 the day before
			c.job = "daily-" + m.String()
			r := c.add("old", 0)
			r.schedule(trig, 0, periodic.WithMisfire(m))
			r.s.Start()
			c.advance(24*time.Hour, time.Hour)
			r.stop()
			require.Equal(t, lines(-21*time.Hour-30*time.Minute, "old", "start", -21*time.Hour-30*time.Minute,
				-21*time.Hour-30*time.Minute, "old", "end", -21*time.Hour-30*time.Minute), c.timeline())
			c.advance(time.Hour, time.Hour) // down until 03:00
			r = c.add("new", 0)
			r.schedule(trig, 0, periodic.WithMisfire(m))
			r.s.Start()
			c.advance(time.Minute, time.Minute)
			var want []string
			if m == periodic.MisfireCoalesce {
				t230 := 2*time.Hour + 30*time.Minute
				want = lines(3*time.Hour, "new", "start", t230, 3*time.Hour, "new", "end", t230)
			}
			require.Equal(t, want, c.timeline())
			require.True(t, r.s.Now().Add(-time.Minute).Equal(day.Add(3*time.Hour)))
		})
	}
}

// testClusterOverlap: a job every 60 s whose runs take 90 s, on r0 from
// the start and on r1 (1 s ahead) from 00:01:40, each overlap policy
// holding across the two replicas.
func testClusterOverlap(t *testing.T, st periodic.Store) {
	for _, tc := range []struct {
		o    periodic.Overlap
		want []any
	}{
		{periodic.OverlapAllow, []any{s(60), "r0", "start", s(60), s(119), "r1", "start", s(120), s(150), "r0", "end", s(60),
			s(179), "r1", "start", s(180), s(209), "r1", "end", s(120), s(239), "r1", "start", s(240),
			s(269), "r1", "end", s(180), s(299), "r1", "start", s(300)}},
		{periodic.OverlapSkip, []any{s(60), "r0", "start", s(60), s(119), "r1", "skipped", s(120), s(150), "r0", "end", s(60),
			s(179), "r1", "start", s(180), s(239), "r1", "skipped", s(240), s(269), "r1", "end", s(180),
			s(299), "r1", "start", s(300)}},
		{periodic.OverlapBufferOne, []any{s(60), "r0", "start", s(60), s(119), "r1", "buffered", s(120),
			s(150), "r0", "end", s(60), s(150), "r0", "start", s(120), s(179), "r1", "buffered", s(180),
			s(239), "r1", "skipped", s(240), s(240), "r0", "end", s(120), s(240), "r0", "start", s(180),
			s(299), "r1", "buffered", s(300)}},
		{periodic.OverlapQueue, []any{s(60), "r0", "start", s(60), s(119), "r1", "buffered", s(120),
			s(150), "r0", "end", s(60), s(150), "r0", "start", s(120), s(179), "r1", "buffered", s(180),
			s(239), "r1", "buffered", s(240), s(240), "r0", "end", s(120), s(240), "r0", "start", s(180),
			s(299), "r1", "buffered", s(300)}},
		{periodic.OverlapReplace, []any{s(60), "r0", "start", s(60), s(119), "r1", "start", s(120),
			s(120), "r0", "cancelled", s(60), s(179), "r1", "cancelled", s(120), s(179), "r1", "start", s(180),
			s(239), "r1", "cancelled", s(180), s(239), "r1", "start", s(240),
			s(299), "r1", "cancelled", s(240), s(299), "r1", "start", s(300)}},
	} {
		t.Run(tc.o.String(), func(t *testing.T) {
			c := newCluster(t, st, 0)
			c.job = "overlap-" + tc.o.String()
			lease := periodic.WithLease(15*time.Second, 5*time.Second, false)
			r0 := c.add("r0", 0, lease)
			r0.schedule(periodic.Every(time.Minute), 90*time.Second, periodic.WithOverlap(tc.o))
			r0.s.Start()
			c.advance(s(100), time.Second)
			r1 := c.add("r1", time.Second, lease)
			r1.schedule(periodic.Every(time.Minute), 90*time.Second, periodic.WithOverlap(tc.o))
			r1.s.Start()
			c.advance(s(200), time.Second)
			require.Equal(t, lines(tc.want...), without(c.timeline(), "lost"))
			tick, n := c.maxCalls()
			require.Equal(t, 1, n, "tick %s ran %d times", tick, n)
		})
	}
}

// testClusterPause: r0 pauses the job at 00:00:15; both replicas' claims
// of tick 20 are refused and r1 sees the job paused, with r0's reason;
// r1 resumes it at 00:00:25 and tick 30 runs.
func testClusterPause(t *testing.T, st periodic.Store) {
	c := newCluster(t, st, 0)
	var jobs []*periodic.Job[int]
	for _, name := range []string{"r0", "r1"} {
		r := c.add(name, 0)
		jobs = append(jobs, r.schedule(periodic.Every(10*time.Second), 0))
		r.s.Start()
	}
	c.advance(s(15), time.Second)
	jobs[0].Pause()
	require.True(t, jobs[0].Paused())
	require.False(t, jobs[1].Paused(), "r1 has not ticked since")
	c.advance(s(5), time.Second)
	require.True(t, jobs[1].Paused(), "seen within one tick")
	d := jobs[1].Describe(4)
	require.True(t, d.Paused)
	require.Empty(t, d.NextRuns, "no activations while paused cluster-wide")
	require.ErrorIs(t, d.PauseReason, periodic.ErrPaused)
	require.ErrorContains(t, d.PauseReason, "paused on r0")
	c.advance(s(5), time.Second)
	jobs[1].Resume()
	c.advance(s(5), time.Second)
	require.False(t, jobs[0].Paused())
	require.Equal(t, lines(s(10), "r0", "start", s(10), s(10), "r0", "end", s(10),
		s(20), "r0", "paused", s(20), s(20), "r1", "paused", s(20),
		s(30), "r0", "start", s(30), s(30), "r0", "end", s(30)), without(c.timeline(), "lost"))
	require.Zero(t, jobs[0].Stats().Failures)
	require.Equal(t, 2, jobs[0].Stats().Runs)
}

// testRestartAfterResume: a job every 10 minutes runs at 00:10 and
// 00:20, is paused at 00:21 for two hours and resumed at 02:21; its
// replica restarts right after. Under MisfireCatchUp and MisfireCoalesce
// alike, the ticks missed while paused do not run on the restarted
// replica, as they would not have run on the resumed one: the next run
// is the tick of 02:30.
func testRestartAfterResume(t *testing.T, st periodic.Store) {
	min10 := 10 * time.Minute
	for _, m := range []periodic.Misfire{periodic.MisfireCatchUp, periodic.MisfireCoalesce} {
		t.Run(m.String(), func(t *testing.T) {
			c := newCluster(t, st, 0)
			c.job = "resume-restart-" + m.String()
			r := c.add("old", 0)
			j := r.schedule(periodic.Every(min10), 0, periodic.WithMisfire(m))
			r.s.Start()
			c.advance(21*time.Minute, time.Minute)
			j.Pause()
			c.advance(2*time.Hour, time.Minute)
			j.Resume()
			r.stop()
			r = c.add("new", 0)
			r.schedule(periodic.Every(min10), 0, periodic.WithMisfire(m))
			r.s.Start()
			c.advance(9*time.Minute, time.Minute)
			require.Equal(t, lines(s(600), "old", "start", s(600), s(600), "old", "end", s(600),
				s(1200), "old", "start", s(1200), s(1200), "old", "end", s(1200),
				s(9000), "new", "start", s(9000), s(9000), "new", "end", s(9000)), without(without(c.timeline(), "lost"), "paused"))
		})
	}
}

// testQueueShutdown: under OverlapQueue, r0 runs tick 10 (runs take 15
// s) and tick 20 waits behind it in the store; r0 shuts down at 00:00:21,
// cancelling its run. The waiting tick is not lost with r0: r1's claim of
// tick 30 runs tick 20 first, then tick 30 behind it, at most once and at
// least once alike.
func testQueueShutdown(t *testing.T, st periodic.Store) {
	for _, alo := range []bool{false, true} {
		t.Run(map[bool]string{false: "AtMostOnce", true: "AtLeastOnce"}[alo], func(t *testing.T) {
			c := newCluster(t, st, 0)
			c.job = "queue-shutdown-" + map[bool]string{false: "amo", true: "alo"}[alo]
			var reps []*replica
			for _, name := range []string{"r0", "r1"} {
				r := c.add(name, 0, periodic.WithLease(6*time.Second, 2*time.Second, alo))
				r.schedule(periodic.Every(10*time.Second), 15*time.Second, periodic.WithOverlap(periodic.OverlapQueue))
				r.s.Start()
				reps = append(reps, r)
			}
			c.advance(s(21), time.Second)
			reps[0].stop()
			<-reps[0].s.Done() // its cancelled run has released its lease
			c.advance(s(24), time.Second)
			require.Equal(t, lines(s(10), "r0", "start", s(10), s(20), "r0", "buffered", s(20), s(21), "r0", "cancelled", s(10),
				s(30), "r1", "start", s(20), s(40), "r1", "buffered", s(40), s(45), "r1", "end", s(20),
				s(45), "r1", "start", s(30)), without(c.timeline(), "lost"))
			tick, n := c.maxCalls()
			require.Equal(t, 1, n, "tick %s ran %d times", tick, n)
		})
	}
}

// testClusterDescribe: Describe on any replica shows the cluster's runs.
func testClusterDescribe(t *testing.T, st periodic.Store) {
	c := newCluster(t, st, 0)
	var jobs []*periodic.Job[int]
	for _, name := range []string{"r0", "r1"} {
		r := c.add(name, 0)
		jobs = append(jobs, r.schedule(periodic.Every(10*time.Second), time.Second))
		r.s.Start()
	}
	c.advance(s(15), time.Second)
	c.reps[0].stop() // r1 runs the next ticks
	c.advance(s(20), time.Second)
	d := jobs[1].Describe(8)
	var ticks []string
	for _, rec := range d.LastRuns {
		ticks = append(ticks, at(rec.Tick.Sub(day)))
		require.Equal(t, time.Second, rec.End.Sub(rec.Start))
	}
	require.Equal(t, []string{"00:00:10", "00:00:20", "00:00:30"}, ticks)
	require.Equal(t, periodic.StoreCounts{Runs: 3, Successes: 3}, d.Cluster)
	require.Equal(t, 2, d.Stats.Runs, "r1's own runs")
	require.Equal(t, 1, d.Stats.LostClaims, "r1 lost tick 10 to r0")
	require.Zero(t, d.Stats.Failures, "a lost claim is not a failure")
}

// testClusterOutage: the backend is down from 00:00:05 to 00:00:08.
// The ticks of those seconds fail on every replica with ErrStore and run
// nowhere; no tick runs twice; ticking resumes when it is back.
func testClusterOutage(t *testing.T, st periodic.Store, down, up func()) {
	c := newCluster(t, st, 0)
	var jobs []*periodic.Job[int]
	for _, name := range []string{"r0", "r1"} {
		r := c.add(name, 0)
		jobs = append(jobs, r.schedule(periodic.Every(time.Second), 0))
		r.s.Start()
	}
	c.advance(s(5), time.Second)
	down()
	c.advance(s(3), time.Second)
	up()
	c.advance(s(5), time.Second)
	tick, n := c.maxCalls()
	require.Equal(t, 1, n, "tick %s ran %d times", tick, n)
	got := c.timeline()
	for k := 6; k <= 8; k++ {
		require.Contains(t, got, lines(s(k), "r0", "store-error", s(k))[0])
		require.Contains(t, got, lines(s(k), "r1", "store-error", s(k))[0])
		require.NotContains(t, got, lines(s(k), "r0", "start", s(k))[0])
	}
	for _, k := range []int{1, 2, 3, 4, 5, 12, 13} {
		require.Contains(t, got, lines(s(k), "r0", "start", s(k))[0], "tick %d", k)
	}
	require.GreaterOrEqual(t, jobs[0].Stats().StoreErrors, 3)
	require.Zero(t, jobs[0].Stats().Failures, "store errors are counted apart")
	require.NoError(t, jobs[0].Last().Err())
}
