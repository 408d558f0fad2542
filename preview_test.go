package periodic_test

import (
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// Issue #12 item 12: before Start, Describe and NextRun show the next runs
// of triggers whose ticks do not depend on the time of Start; Every shows
// none until Start fixes its anchor, unless WithStartAt does.
func TestNextRunsBeforeStart(t *testing.T) {
	fiveMin, err := periodic.Cron("*/5 * * * *")
	require.NoError(t, err)
	cases := []struct {
		name    string
		trigger periodic.Trigger
		opts    []periodic.JobOption
		want    []time.Time
	}{
		{"cron", fiveMin, nil, []time.Time{at(300), at(600), at(900)}},
		{"cron within WithLimit", fiveMin, []periodic.JobOption{periodic.WithLimit(2)}, []time.Time{at(300), at(600)}},
		{"cron within WithStopAt", fiveMin, []periodic.JobOption{periodic.WithStopAt(at(700))}, []time.Time{at(300), at(600)}},
		{"cron, StartImmediately: the first run is Start", fiveMin, []periodic.JobOption{periodic.StartImmediately()}, nil},
		{"At", periodic.At(at(20), at(10)), nil, []time.Time{at(10), at(20)}},
		{"combinator aligns Every to the epoch", periodic.Or(periodic.Every(time.Hour), periodic.At(at(90))), nil,
			[]time.Time{at(90), at(3600), at(7200)}},
		{"Every: its anchor is Start", periodic.Every(10 * time.Second), nil, nil},
		{"Every under WithStartAt", periodic.Every(10 * time.Second), []periodic.JobOption{periodic.WithStartAt(at(3))},
			[]time.Time{at(13), at(23), at(33)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, quiet)
			job, err := periodic.Schedule(e.s, c.trigger, e.sleeper(0), c.opts...)
			require.NoError(t, err)
			require.Equal(t, c.want, job.Describe(3).NextRuns)
			if c.want == nil {
				require.True(t, job.NextRun().IsZero())
				return
			}
			require.Equal(t, c.want[0], job.NextRun())
			e.m.Add(5 * time.Second) // Start a little later: the same first tick
			e.s.Start()
			require.Equal(t, c.want[0], job.NextRun())
		})
	}
}
