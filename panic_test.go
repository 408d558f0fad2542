package periodic_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// panicTrigger panics on its n-th call of Next.
type panicTrigger struct {
	n     atomic.Int32
	after int32
}

func (p *panicTrigger) Next(t time.Time) time.Time {
	if p.n.Add(1) > p.after {
		panic("trigger broke")
	}
	return t.Add(time.Second)
}

// failingLocker claims as its fn says.
type failingLocker struct {
	claim func() (periodic.Lease, error)
}

func (l failingLocker) Claim(context.Context, string, time.Time) (periodic.Lease, error) {
	return l.claim()
}

type funcLease func() error

func (f funcLease) Release(context.Context) error { return f() }

// Fault 4 (and the panic-isolation table): user code that panics outside
// the job, or breaks its contract, is recovered and reported; the process
// and the other jobs go on.
func TestPanicIsolation(t *testing.T) {
	boom := func(periodic.Event) { panic("hook broke") }
	hooks := func(h periodic.Hooks) []periodic.Option { return []periodic.Option{periodic.WithHooks(h)} }
	locker := func(claim func() (periodic.Lease, error)) []periodic.Option {
		return []periodic.Option{periodic.WithLocker(failingLocker{claim: claim})}
	}
	flaky := func() periodic.Func[int] {
		n := 0
		return func(context.Context) (int, error) {
			if n++; n%2 == 1 {
				return 0, errors.New("flaky")
			}
			return 1, nil
		}
	}
	retry := periodic.WithRetry(periodic.Retry{Retries: 1, Initial: time.Millisecond})
	cases := []struct {
		name     string
		trigger  periodic.Trigger
		opts     []periodic.Option
		fn       periodic.Func[int]
		jobOpts  []periodic.JobOption
		onRun    bool
		onDone   bool
		late     bool   // jump the clock by hand: the ticks misfire
		wantErr  string // the failed run's error, "" when the run succeeds
		wantLog  string
		describe string // Describe's Trigger, when it is looked at
	}{
		{name: "Trigger.Next", trigger: &panicTrigger{after: 2}, wantLog: "trigger panicked"},
		{name: "Trigger.String", trigger: stringPanics{periodic.Every(time.Second)}, describe: "PANIC=String method"},
		{name: "BeforeRun", opts: hooks(periodic.Hooks{BeforeRun: boom}), wantLog: "hook panicked"},
		{name: "AfterRun", opts: hooks(periodic.Hooks{AfterRun: boom}), wantLog: "hook panicked"},
		{name: "OnSkip", opts: hooks(periodic.Hooks{OnSkip: boom}), wantLog: "hook panicked",
			fn:      func(ctx context.Context) (int, error) { return 1, periodic.Sleep(ctx, 1500*time.Millisecond) },
			jobOpts: []periodic.JobOption{periodic.WithOverlap(periodic.OverlapSkip)}},
		{name: "OnMisfire", opts: hooks(periodic.Hooks{OnMisfire: boom}), late: true, wantLog: "hook panicked"},
		{name: "OnRetry", opts: hooks(periodic.Hooks{OnRetry: boom}), fn: flaky(), jobOpts: []periodic.JobOption{retry}, wantLog: "hook panicked"},
		{name: "OnPanic", opts: hooks(periodic.Hooks{OnPanic: boom}), fn: func(context.Context) (int, error) { panic("job broke") },
			wantErr: "job broke", wantLog: "hook panicked"},
		{name: "OnRun", onRun: true, wantLog: "OnRun function panicked"},
		{name: "OnDone", onDone: true, wantLog: "OnDone callback panicked"},
		{name: "Claim panics", opts: locker(func() (periodic.Lease, error) { panic("claim broke") }), wantErr: "claim broke", wantLog: "ERROR periodic: store error"},
		{name: "Claim nil nil", opts: locker(func() (periodic.Lease, error) { return nil, nil }), wantErr: "no lease", wantLog: "ERROR periodic: store error"},
		{name: "Release panics", opts: locker(func() (periodic.Lease, error) {
			return funcLease(func() error { panic("release broke") }), nil
		}), wantLog: "Release panicked"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &logRecorder{}
			m := clock.NewMock()
			m.Set(t0)
			s := periodic.New(append([]periodic.Option{periodic.WithClock(m), periodic.WithLogger(slog.New(rec))}, c.opts...)...)
			trig, fn := c.trigger, c.fn
			if trig == nil {
				trig = periodic.Every(time.Second)
			}
			if fn == nil {
				fn = func(context.Context) (int, error) { return 1, nil }
			}
			job, err := periodic.Schedule(s, trig, fn, c.jobOpts...)
			require.NoError(t, err)
			other, err := periodic.Schedule(s, periodic.Every(time.Second), func(context.Context) (int, error) { return 2, nil })
			require.NoError(t, err)
			if c.onRun {
				job.OnRun(func(time.Time, *periodic.Future[int]) { panic("OnRun broke") })
			}
			if c.onDone {
				job.OnRun(func(_ time.Time, f *periodic.Future[int]) {
					f.OnDone(func(*periodic.Future[int]) { panic("OnDone broke") })
				})
			}
			s.Start()
			ctx := bounded(t, 10*time.Second)
			require.NoError(t, periodictest.Advance(ctx, s, m, 3*time.Second))
			want := 3
			if c.late {
				m.Add(5 * time.Second) // by hand: the next ticks are late
				require.NoError(t, periodictest.WaitIdle(ctx, s))
				want = 4 // one run for the coalesced late ticks
			}
			switch {
			case c.wantErr == "":
				require.Equal(t, want, other.Stats().Runs)
			case c.opts != nil && c.fn == nil: // a broken locker is a store error for every job's runs
				require.Equal(t, want, other.Stats().StoreErrors)
			}
			if c.wantErr == "" {
				require.NoError(t, other.Last().Err())
			} else {
				require.ErrorContains(t, job.Last().Err(), c.wantErr)
			}
			if c.describe != "" {
				require.Contains(t, job.Describe(1).Trigger, c.describe)
			}
			shutNow(s) // runs may sleep on the mock at 3 s
			require.Contains(t, strings.Join(rec.take(), "\n"), c.wantLog)
		})
	}
}

// stringPanics is a trigger whose String panics.
type stringPanics struct{ periodic.Trigger }

func (stringPanics) String() string { panic("String broke") }
