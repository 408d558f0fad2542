package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/periodic-go/periodic"
)

// runCluster runs the cluster tests.
func runCluster(t *testing.T, newStore func(*testing.T) periodic.Store, cfg *config) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st periodic.Store)
	}{
		{"SkewedReplicasAtMostOnce", testClusterSkew},
		{"KilledMidRun", testKilled},
		{"BackwardClockRestart", testClusterBackward},
		{"RestartMisfire", testRestartMisfire},
		{"RestartDaily", testRestartDaily},
		{"Overlap", testClusterOverlap},
		{"Pause", testClusterPause},
		{"RestartAfterResume", testRestartAfterResume},
		{"QueueShutdown", testQueueShutdown},
		{"DescribeHistory", testClusterDescribe},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
	t.Run("Outage", func(t *testing.T) {
		st, down, up := outage(t, cfg)
		testClusterOutage(t, st, down, up)
	})
}

// testClusterSkew: three replicas whose clocks are 2 s behind, right and
// 2 s ahead run a job every second for a minute. No tick runs twice. The
// replica ahead claims each tick first and runs all of them once it is
// up; the two ticks the fencing mark jumped over at start-up (its first
// claim is 2 s ahead of the others') run nowhere.
func testClusterSkew(t *testing.T, st periodic.Store) {
	c := newCluster(t, st, 0)
	for i, skew := range []time.Duration{-2 * time.Second, 0, 2 * time.Second} {
		r := c.add([]string{"behind", "right", "ahead"}[i], skew)
		r.schedule(periodic.Every(time.Second), 0)
		r.s.Start()
	}
	c.advance(time.Minute, time.Second)
	tick, n := c.maxCalls()
	require.Equal(t, 1, n, "tick %s ran %d times", tick, n)
	var want []string
	want = append(want, "00:00:01 behind start 23:59:59", "00:00:01 behind end 23:59:59",
		"00:00:01 right start 00:00:01", "00:00:01 right end 00:00:01")
	for k := 1; k <= 60; k++ {
		tick := at(time.Duration(k+2) * time.Second)
		want = append(want, at(time.Duration(k)*time.Second)+" ahead start "+tick, at(time.Duration(k)*time.Second)+" ahead end "+tick)
	}
	require.Equal(t, sorted(want), without(c.timeline(), "lost"))
}

// testKilled: a replica dies at 00:00:13 in the middle of the run of
// tick 10 (runs take 4 s; leases live 6 s, renewed every 2 s, so the
// lease expires at 18). Without at-least-once nobody runs tick 10
// again; with it, the other replica's claim of tick 20 takes tick 10
// over and runs it first, then tick 20, handed over at its release.
func testKilled(t *testing.T, st periodic.Store) {
	for _, alo := range []bool{false, true} {
		t.Run(map[bool]string{false: "AtMostOnce", true: "AtLeastOnce"}[alo], func(t *testing.T) {
			c := newCluster(t, st, 0)
			c.job = map[bool]string{false: "at-most-once", true: "at-least-once"}[alo]
			for _, name := range []string{"r0", "r1"} {
				r := c.add(name, 0, periodic.WithLease(6*time.Second, 2*time.Second, alo))
				r.schedule(periodic.Every(10*time.Second), 4*time.Second, periodic.WithOverlap(periodic.OverlapSkip),
					periodic.WithStartAt(day.Add(10*time.Second)), periodic.StartImmediately())
				r.s.Start()
			}
			c.advance(13*time.Second, time.Second)
			c.reps[0].dead = true // its clock stops: no renewal, no release
			c.advance(22*time.Second, time.Second)
			want := []string{"00:00:10 r0 start 00:00:10", "00:00:20 r1 start 00:00:20", "00:00:24 r1 end 00:00:20",
				"00:00:30 r1 start 00:00:30", "00:00:34 r1 end 00:00:30"}
			if alo {
				want = []string{"00:00:10 r0 start 00:00:10", "00:00:20 r1 start 00:00:10", "00:00:24 r1 end 00:00:10",
					"00:00:24 r1 start 00:00:20", "00:00:28 r1 end 00:00:20",
					"00:00:30 r1 start 00:00:30", "00:00:34 r1 end 00:00:30"}
			}
			require.Equal(t, sorted(want), without(c.timeline(), "lost"))
			st0, err := st.Load(t.Context(), c.job)
			require.NoError(t, err)
			require.Empty(t, st0.Lease.Token, "released")
			require.True(t, st0.Mark.Equal(day.Add(30*time.Second)))
		})
	}
}

// sorted returns lines sorted, as timeline returns them.
func sorted(lines []string) []string {
	c := &cluster{lines: lines}
	return c.timeline()
}
