package periodic_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// Issue #12 item 10: an end already past on the scheduler's clock at
// Schedule is an error naming the value, before Start on a mock clock too.
func TestSchedulePastEnd(t *testing.T) {
	cases := []struct {
		name    string
		trigger periodic.Trigger
		opts    []periodic.JobOption
		err     string // "" when accepted
	}{
		{"At in the past", periodic.At(at(-1)), nil,
			"periodic: invalid argument: At(2025-12-31T23:59:59Z): every instant is at or before now (2026-01-01T00:00:00Z); the job would never run"},
		{"At now", periodic.At(at(0)), nil,
			"periodic: invalid argument: At(2026-01-01T00:00:00Z): every instant is at or before now (2026-01-01T00:00:00Z); the job would never run"},
		{"At past and future", periodic.At(at(-1), at(5)), nil, ""},
		{"At in the future", periodic.At(at(5)), nil, ""},
		{"WithStopAt in the past", periodic.Every(time.Second), []periodic.JobOption{periodic.WithStopAt(at(-3))},
			"periodic: invalid argument: WithStopAt(2025-12-31T23:59:57Z) is at or before now (2026-01-01T00:00:00Z); the job would never run"},
		{"WithStopAt now", periodic.Every(time.Second), []periodic.JobOption{periodic.WithStopAt(at(0))},
			"periodic: invalid argument: WithStopAt(2026-01-01T00:00:00Z) is at or before now (2026-01-01T00:00:00Z); the job would never run"},
		{"WithStopAt ahead", periodic.Every(time.Second), []periodic.JobOption{periodic.WithStopAt(at(1))}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, quiet) // not started: "now" is the mock clock's
			job, err := periodic.Schedule(e.s, c.trigger, e.sleeper(0), c.opts...)
			if c.err != "" {
				require.ErrorIs(t, err, periodic.ErrInvalid)
				require.EqualError(t, err, c.err)
				require.Nil(t, job)
				return
			}
			require.NoError(t, err)
			e.s.Start()
			e.advance(10 * time.Second)
			require.Equal(t, 1, job.Stats().Runs)
		})
	}
}

// Issue #12 item 10: a job whose last instant passes between Schedule and
// Start ends at Start, and the log says why at Warn.
func TestJobEndingAtStartLogsWhy(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	m := clock.NewMock()
	m.Set(t0)
	s := periodic.New(periodic.WithClock(m), periodic.WithLocation(time.UTC), periodic.WithLogger(log))
	job, err := periodic.Schedule(s, periodic.At(at(10)), func(context.Context) (int, error) { return 0, nil }, periodic.WithName("once"))
	require.NoError(t, err)
	m.Set(at(20))
	s.Start()
	require.NoError(t, s.Shutdown(context.Background()))
	require.True(t, job.NextRun().IsZero())
	require.Equal(t, `level=WARN msg="periodic: the job has no tick after its anchor and now; it ends without running" job=once now=2026-01-01T00:00:20.000Z`+"\n", buf.String())
}
