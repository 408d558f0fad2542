package periodic_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
)

func TestStoreBadOptions(t *testing.T) {
	var typedNil *periodictest.Store
	st := periodictest.NewStore()
	for _, c := range []struct {
		opts []periodic.Option
		want string
	}{
		{[]periodic.Option{periodic.WithStore(nil)}, "WithStore(nil)"},
		{[]periodic.Option{periodic.WithStore(typedNil)}, "WithStore(nil)"},
		{[]periodic.Option{periodic.WithStore(st), periodic.WithLocker(periodictest.NewLocker())}, "WithStore and WithLocker"},
		{[]periodic.Option{periodic.WithStore(st), periodic.WithLease(0, time.Second, false)}, "WithLease(0s, 1s)"},
		{[]periodic.Option{periodic.WithStore(st), periodic.WithLease(time.Second, time.Second, false)}, "WithLease(1s, 1s)"},
		{[]periodic.Option{periodic.WithStore(st), periodic.WithReplica("")}, `WithReplica("")`},
	} {
		s := periodic.New(c.opts...)
		_, err := periodic.Schedule(s, periodic.Every(time.Second), func(context.Context) (int, error) { return 0, nil })
		require.ErrorIs(t, err, periodic.ErrInvalid, c.want)
		require.ErrorContains(t, err, c.want)
	}
}

// records is a slog handler that keeps the records it sees.
type records struct {
	mu   sync.Mutex // guards recs
	recs []string
}

func (h *records) Enabled(context.Context, slog.Level) bool { return true }
func (h *records) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *records) WithGroup(string) slog.Handler            { return h }
func (h *records) Handle(_ context.Context, r slog.Record) error {
	line := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "error" {
			line += ": " + a.Value.String()
		}
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, line)
	return nil
}

// finishes returns the records of runs' ends and store errors.
func (h *records) finishes() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.recs {
		for _, m := range []string{"run finished", "run failed", "claim lost", "store error"} {
			if len(r) > len(m) && contains(r, m) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// storeReplica is a scheduler on its own fast mock clock sharing st.
func storeReplica(t *testing.T, st periodic.Store, name string, h slog.Handler) (*periodic.Scheduler, *periodictest.Clock) {
	clk := periodictest.NewClock(t0)
	s := periodic.New(periodic.WithClock(clk), periodic.WithStore(st), periodic.WithReplica(name), periodic.WithLogger(slog.New(h)))
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s, clk
}

// TestStoreLostClaimIsNotAFailure: two replicas, two real runs: the
// loser counts lost claims, logged at Debug, and no failure; a store
// that is down is an Error record with the backend's message, its own
// counter, the error of the future, and the job is not called.
func TestStoreLostClaimIsNotAFailure(t *testing.T) {
	st := periodictest.NewStore()
	logs := [2]*records{{}, {}}
	var jobs [2]*periodic.Job[int]
	var clks [2]*periodictest.Clock
	var ss [2]*periodic.Scheduler
	calls := 0
	for i := range 2 {
		ss[i], clks[i] = storeReplica(t, st, []string{"a", "b"}[i], logs[i])
		var err error
		jobs[i], err = periodic.Schedule(ss[i], periodic.Every(time.Second), func(context.Context) (int, error) {
			calls++
			return calls, nil
		}, periodic.WithName("report"))
		require.NoError(t, err)
		ss[i].Start()
	}
	step := func() {
		for i := range 2 {
			require.NoError(t, periodictest.Advance(context.Background(), ss[i], clks[i], time.Second))
		}
	}
	step()
	step()
	require.Equal(t, 2, calls)
	a, b := jobs[0].Stats(), jobs[1].Stats()
	require.Equal(t, []int{2, 2, 0, 0}, []int{a.Runs, a.Successes, a.Failures, a.LostClaims})
	require.Equal(t, []int{0, 0, 0, 2}, []int{b.Runs, b.Successes, b.Failures, b.LostClaims})
	require.Equal(t, []string{"DEBUG periodic: claim lost: periodic: tick claimed by another replica: job \"report\" tick 2026-01-01T00:00:01Z",
		"DEBUG periodic: claim lost: periodic: tick claimed by another replica: job \"report\" tick 2026-01-01T00:00:02Z"}, logs[1].finishes())

	st.Fail(errors.New("dial tcp 10.0.0.7:6379: connection refused"))
	step()
	require.Equal(t, 2, calls, "no claim, no call")
	err := jobs[0].Last().Err()
	require.ErrorIs(t, err, periodic.ErrStore)
	require.ErrorContains(t, err, "connection refused")
	require.Equal(t, 1, jobs[0].Stats().StoreErrors)
	require.Zero(t, jobs[0].Stats().Failures)
	got := logs[0].finishes()
	require.Equal(t, `ERROR periodic: store error: periodic: store error: job "report" tick 2026-01-01T00:00:03Z: claim: `+
		`periodictest.Store: Claim "report": dial tcp 10.0.0.7:6379: connection refused`, got[len(got)-1])
	st.Fail(nil)
	step()
	require.Equal(t, 3, calls)
}

// panicStore panics in every method.
type panicStore struct{ periodic.Store }

func (panicStore) Claim(context.Context, periodic.Claim) (periodic.Grant, error) {
	panic("broken store")
}
func (panicStore) Load(context.Context, string) (periodic.JobState, error) { panic("broken load") }

// TestStorePanicRecovered: a store that panics is a store error, and the
// scheduler keeps serving.
func TestStorePanicRecovered(t *testing.T) {
	s, clk := storeReplica(t, panicStore{}, "a", slog.DiscardHandler)
	job, err := periodic.Schedule(s, periodic.Every(time.Second), func(context.Context) (int, error) { return 1, nil },
		periodic.WithName("j"))
	require.NoError(t, err)
	s.Start()
	require.NoError(t, periodictest.Advance(context.Background(), s, clk, 2*time.Second))
	err = job.Last().Err()
	require.ErrorIs(t, err, periodic.ErrStore)
	var pe *periodic.PanicError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "broken store", pe.Value)
	require.Equal(t, 4, job.Stats().StoreErrors, "the load at start, its retry at the first tick, then two claims")
}

// TestStoreUnnamedJobsStayLocal: a job without WithName is not stored.
func TestStoreUnnamedJobsStayLocal(t *testing.T) {
	st := periodictest.NewStore()
	s, clk := storeReplica(t, st, "a", slog.DiscardHandler)
	job, err := periodic.Schedule(s, periodic.Every(time.Second), func(context.Context) (int, error) { return 1, nil })
	require.NoError(t, err)
	s.Start()
	require.NoError(t, periodictest.Advance(context.Background(), s, clk, 3*time.Second))
	require.Equal(t, 3, job.Stats().Runs)
	require.Zero(t, st.Calls())
}

// TestStoreBackfillRange: two replicas backfill the same range; the
// first claims it (one record) and runs its ticks, the second is refused;
// the live mark is untouched.
func TestStoreBackfillRange(t *testing.T) {
	st := periodictest.NewStore()
	var jobs [2]*periodic.Job[int]
	var ss [2]*periodic.Scheduler
	var clks [2]*periodictest.Clock
	calls := 0
	for i := range 2 {
		ss[i], clks[i] = storeReplica(t, st, []string{"a", "b"}[i], slog.DiscardHandler)
		var err error
		jobs[i], err = periodic.Schedule(ss[i], periodic.Every(time.Minute), func(context.Context) (int, error) {
			calls++
			return calls, nil
		}, periodic.WithName("report"))
		require.NoError(t, err)
		ss[i].Start()
	}
	require.NoError(t, periodictest.Advance(context.Background(), ss[0], clks[0], time.Minute))
	fs, err := jobs[0].Backfill(context.Background(), t0.Add(-time.Hour), t0.Add(-50*time.Minute))
	require.NoError(t, err)
	require.Len(t, fs, 11)
	require.NoError(t, periodictest.WaitIdle(context.Background(), ss[0]))
	for _, f := range fs {
		require.NoError(t, f.Err())
	}
	require.Equal(t, 12, calls)
	_, err = jobs[1].Backfill(context.Background(), t0.Add(-time.Hour), t0.Add(-50*time.Minute))
	require.ErrorIs(t, err, periodic.ErrClaimed)
	require.ErrorContains(t, err, "by a")
	state, err := st.Load(context.Background(), "report")
	require.NoError(t, err)
	require.True(t, state.Mark.Equal(t0.Add(time.Minute)), "the mark is the live tick's")
	require.NoError(t, periodictest.Advance(context.Background(), ss[1], clks[1], time.Minute))
	require.Equal(t, 12, calls, "b lost the live tick")
}

// TestStoreRoundTripsPerTick: with R replicas, a tick costs R claims and
// one release, plus one renewal per renew interval while the run lasts;
// each replica loads each named job once when it starts.
func TestStoreRoundTripsPerTick(t *testing.T) {
	for _, c := range []struct {
		replicas int
		took     time.Duration // with renewals every 10 s
		perTick  int
	}{{1, 0, 2}, {3, 0, 4}, {3, 25 * time.Second, 6}} {
		st := periodictest.NewStore()
		var ss []*periodic.Scheduler
		var clks []*periodictest.Clock
		for i := range c.replicas {
			s, clk := storeReplica(t, st, fmt.Sprint("r", i), slog.DiscardHandler)
			_, err := periodic.Schedule(s, periodic.Every(time.Minute), func(ctx context.Context) (int, error) {
				return 0, periodic.Sleep(ctx, c.took)
			}, periodic.WithName("j"))
			require.NoError(t, err)
			s.Start()
			ss, clks = append(ss, s), append(clks, clk)
		}
		require.Equal(t, c.replicas, st.Calls(), "one load per replica")
		for range 10 {
			for i := range ss {
				require.NoError(t, periodictest.Advance(context.Background(), ss[i], clks[i], time.Minute))
			}
		}
		for i := range ss { // the last run ends
			require.NoError(t, periodictest.Advance(context.Background(), ss[i], clks[i], 30*time.Second))
		}
		require.Equal(t, c.replicas+10*c.perTick, st.Calls(), "%d replicas, runs of %v", c.replicas, c.took)
	}
}

// TestStorePauseOnFailure: a job that pauses itself on failure pauses
// the cluster, with the failure as the reason.
func TestStorePauseOnFailure(t *testing.T) {
	st := periodictest.NewStore()
	var jobs [2]*periodic.Job[int]
	var ss [2]*periodic.Scheduler
	var clks [2]*periodictest.Clock
	for i := range 2 {
		ss[i], clks[i] = storeReplica(t, st, []string{"a", "b"}[i], slog.DiscardHandler)
		var err error
		jobs[i], err = periodic.Schedule(ss[i], periodic.Every(time.Second), func(context.Context) (int, error) {
			return 0, errors.New("disk full")
		}, periodic.WithName("j"), periodic.WithPauseOnFailure())
		require.NoError(t, err)
		ss[i].Start()
	}
	for range 2 {
		for i := range 2 {
			require.NoError(t, periodictest.Advance(context.Background(), ss[i], clks[i], time.Second))
		}
	}
	require.True(t, jobs[1].Paused())
	d := jobs[1].Describe(1)
	require.ErrorContains(t, d.PauseReason, "paused on a after tick 2026-01-01T00:00:01Z failed: disk full")
	require.Equal(t, 1, d.Cluster.Failures, "one run in the cluster")
	require.ErrorIs(t, jobs[1].Last().Err(), periodic.ErrPaused)
}
