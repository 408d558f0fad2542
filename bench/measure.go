package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/periodic-go/periodic"
)

// IdleEvery is the interval of idle jobs: long enough that none runs
// while it is measured.
const IdleEvery = time.Hour

// CPUTime returns the process's user plus system CPU time so far.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memAfterGC collects garbage until the heap stops shrinking and returns
// the memory statistics.
func memAfterGC() runtime.MemStats {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m
}

// Clean collects garbage and returns freed memory to the system, so that
// one measurement does not inherit another's heap.
func Clean() { debug.FreeOSMemory() }

// Idle is the footprint of n idle jobs of one contender.
type Idle struct {
	N                int
	HeapPerJob       float64 // bytes of live heap per job
	StackPerJob      float64 // bytes of goroutine stacks per job
	AllocsPerJob     float64 // heap allocations per job while registering
	GoroutinesPerJob float64
	RegPerJob        time.Duration // registering and arming one job
	Shutdown         time.Duration // wall time of Stop with the n jobs idle
	ShutdownCPU      time.Duration // process CPU over that Stop
}

// MeasureIdle registers n idle jobs on a fresh contender and measures
// what they cost at rest.
func MeasureIdle(p Peer, n int) (Idle, error) {
	task := NewTask(func() {})
	Clean()
	m0 := memAfterGC()
	g0 := runtime.NumGoroutine()
	c, reg, err := Register(p, n, IdleEvery, time.Time{}, func(int) *Task { return task })
	if err != nil {
		return Idle{}, err
	}
	m1 := memAfterGC()
	g1 := runtime.NumGoroutine()
	s0, sc0 := time.Now(), CPUTime()
	c.Stop()
	shutdown, shutdownCPU := time.Since(s0), CPUTime()-sc0
	runtime.KeepAlive(c)
	f := float64(n)
	return Idle{
		N:                n,
		HeapPerJob:       (float64(m1.HeapAlloc) - float64(m0.HeapAlloc)) / f,
		StackPerJob:      (float64(m1.StackInuse) - float64(m0.StackInuse)) / f,
		AllocsPerJob:     float64(m1.Mallocs-m0.Mallocs) / f,
		GoroutinesPerJob: float64(g1-g0) / f,
		RegPerJob:        reg / time.Duration(n),
		Shutdown:         shutdown,
		ShutdownCPU:      shutdownCPU,
	}, nil
}

// Tick is the CPU a contender uses while one job ticks among idle ones.
type Tick struct {
	Idle                      int
	Every                     time.Duration
	CPUPerSec                 float64 // CPU seconds per wall second
	Runs                      int64   // runs of the ticking job in the window
	AllocsPerRun, BytesPerRun float64 // heap allocations in the window, per run
}

// MeasureTick registers idle jobs and one job every d (the contender's
// quantum if larger), then measures process CPU time over window.
func MeasureTick(p Peer, idle int, d, window time.Duration) (Tick, error) {
	d = max(d, p.Quantum)
	var runs atomic.Int64
	ticking := NewTask(func() { runs.Add(1) })
	quiet := NewTask(func() {})
	c := p.New()
	if !p.AddBeforeStart {
		c.Start()
	}
	for range idle {
		if err := c.Add(IdleEvery, time.Time{}, quiet); err != nil {
			c.Stop()
			return Tick{}, err
		}
	}
	if err := c.Add(d, time.Time{}, ticking); err != nil {
		c.Stop()
		return Tick{}, err
	}
	if p.AddBeforeStart {
		c.Start()
	}
	c.Settle()
	defer c.Stop()
	runtime.GC()
	time.Sleep(d + d/2) // let the first tick pass
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	r0, c0 := runs.Load(), CPUTime()
	time.Sleep(window)
	c1, r1 := CPUTime(), runs.Load()
	runtime.ReadMemStats(&m1)
	t := Tick{Idle: idle, Every: d, CPUPerSec: (c1 - c0).Seconds() / window.Seconds(), Runs: r1 - r0}
	if t.Runs > 0 {
		t.AllocsPerRun = float64(m1.Mallocs-m0.Mallocs) / float64(t.Runs)
		t.BytesPerRun = float64(m1.TotalAlloc-m0.TotalAlloc) / float64(t.Runs)
	}
	return t, nil
}

// Burst is n runs due at the same instant.
type Burst struct {
	N                         int
	CPUPer1000                time.Duration
	P50, P99, Max             time.Duration // lateness: run start minus its tick
	Wall                      time.Duration // from the tick to the last run started (and settled, if read)
	AllocsPerRun, BytesPerRun float64       // heap allocations from the tick to the end, per run
}

// MeasureBurst registers n jobs whose first tick is the same instant,
// lead from now, and measures the CPU and lateness of those first runs.
func MeasureBurst(p Peer, n int, lead time.Duration) (Burst, error) {
	runtime.GC()
	b, err := prepareBurst(p, n, lead)
	for tries := 0; errors.Is(err, errLate) && tries < 3; tries++ {
		lead *= 4
		b, err = prepareBurst(p, n, lead)
	}
	if err != nil {
		return Burst{}, err
	}
	defer b.c.Stop()
	time.Sleep(time.Until(b.tick) - 20*time.Millisecond)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0 := CPUTime()
	if err := b.wait(time.Minute); err != nil {
		return Burst{}, err
	}
	c1 := CPUTime()
	wall := time.Since(b.tick)
	runtime.ReadMemStats(&m1)
	late := b.lateness()
	return Burst{
		N: n, CPUPer1000: (c1 - c0) * 1000 / time.Duration(n),
		P50: pct(late, 50), P99: pct(late, 99), Max: late[n-1], Wall: wall,
		AllocsPerRun: float64(m1.Mallocs-m0.Mallocs) / float64(n),
		BytesPerRun:  float64(m1.TotalAlloc-m0.TotalAlloc) / float64(n),
	}, nil
}

// burstRun is a burst being measured: n jobs registered with their first
// tick at tick.
type burstRun struct {
	p       Peer
	c       Contender
	tick    time.Time
	starts  []atomic.Int64 // when each job's first run started, in Unix ns
	started atomic.Int64
	all     chan struct{}   // closed when every job has started
	settled <-chan struct{} // for a Settler, closed when every result was read
}

// prepareBurst registers the jobs of a burst due lead from now. It fails
// with errLate if that took more than three quarters of lead, so that the
// caller's measurement can start before the tick.
func prepareBurst(p Peer, n int, lead time.Duration) (*burstRun, error) {
	b := &burstRun{p: p, starts: make([]atomic.Int64, n), all: make(chan struct{})}
	tasks := make([]*Task, n)
	for i := range tasks {
		tasks[i] = NewTask(func() {
			now := time.Now().UnixNano()
			if b.starts[i].CompareAndSwap(0, now) && b.started.Add(1) == int64(n) {
				close(b.all)
			}
		})
	}
	b.tick = time.Now().Add(lead)
	c, _, err := Register(p, n, IdleEvery, b.tick, func(i int) *Task { return tasks[i] })
	if err != nil {
		if time.Now().After(b.tick) {
			return nil, fmt.Errorf("%w: %w", errLate, err)
		}
		return nil, err
	}
	if time.Until(b.tick) < lead/4 {
		c.Stop()
		return nil, fmt.Errorf("%w: %s: registering %d jobs took more than %v of a %v lead", errLate, p.Name, n, lead*3/4, lead)
	}
	b.c = c
	if s, ok := c.(Settler); ok {
		b.settled = s.Expect(int64(n))
	}
	return b, nil
}

// errLate reports a burst whose registration ended after its tick.
var errLate = errors.New("registration ended after the tick")

// wait waits until every run has started and, for a Settler, every
// future was read.
func (b *burstRun) wait(timeout time.Duration) error {
	select {
	case <-b.all:
	case <-time.After(time.Until(b.tick) + timeout):
		return fmt.Errorf("%s: %d of %d runs started within %v of the tick", b.p.Name, b.started.Load(), len(b.starts), timeout)
	}
	if b.settled != nil {
		<-b.settled
	}
	return nil
}

// lateness returns each run's start minus the tick, sorted.
func (b *burstRun) lateness() []time.Duration {
	late := make([]time.Duration, len(b.starts))
	for i := range b.starts {
		late[i] = time.Duration(b.starts[i].Load() - b.tick.UnixNano())
	}
	slices.Sort(late)
	return late
}

// waitPhase sleeps until the current time is within the first within of
// a multiple of q.
func waitPhase(q, within time.Duration) {
	for {
		ph := time.Duration(time.Now().UnixNano()) % q
		if ph < within {
			return
		}
		time.Sleep(q - ph + time.Millisecond)
	}
}

// pct returns the p-th percentile of sorted xs.
func pct(xs []time.Duration, p int) time.Duration {
	i := (len(xs)*p + 99) / 100
	return xs[max(0, min(len(xs)-1, i-1))]
}

// Drift is how far one job's runs start from its anchored ticks.
type Drift struct {
	Every  time.Duration
	Ticks  int
	Last   time.Duration // start of the last run minus its tick
	Max    time.Duration // the largest |start - tick|
	Median time.Duration
	Trend  time.Duration // the least-squares slope of drift times ticks-1
}

// MeasureDrift runs one job every d (the contender's quantum if larger)
// for ticks runs and compares each run's start with first + k*d.
func MeasureDrift(p Peer, d time.Duration, ticks int) (Drift, error) {
	d = max(d, p.Quantum)
	starts := make([]time.Time, 0, ticks+8)
	var mu sync.Mutex
	done := make(chan struct{})
	task := NewTask(func() {
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		if len(starts) < ticks {
			starts = append(starts, now)
			if len(starts) == ticks {
				close(done)
			}
		}
	})
	var first time.Time
	if p.Quantum > 0 {
		waitPhase(p.Quantum, 2*p.Quantum/10)
	} else {
		first = time.Now().Add(d)
	}
	c, _, err := Register(p, 1, d, first, func(int) *Task { return task })
	if err != nil {
		return Drift{}, err
	}
	if p.Quantum > 0 {
		first = time.Now().Truncate(p.Quantum).Add(p.Quantum)
	}
	select {
	case <-done:
	case <-time.After(time.Duration(ticks+10) * d):
	}
	c.Stop()
	mu.Lock()
	defer mu.Unlock()
	if len(starts) < ticks {
		return Drift{}, fmt.Errorf("%s: %d of %d ticks ran", p.Name, len(starts), ticks)
	}
	drift := make([]time.Duration, ticks)
	var worst time.Duration
	for k, s := range starts {
		drift[k] = s.Sub(first.Add(time.Duration(k) * d))
		worst = max(worst, drift[k], -drift[k])
	}
	last, trend := drift[ticks-1], slope(drift)*float64(ticks-1)
	slices.Sort(drift)
	return Drift{Every: d, Ticks: ticks, Last: last, Max: worst, Median: pct(drift, 50), Trend: time.Duration(trend)}, nil
}

// slope returns the least-squares slope of ys over their indexes.
func slope(ys []time.Duration) float64 {
	n := float64(len(ys))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i, y := range ys {
		x := float64(i)
		sx, sy, sxx, sxy = sx+x, sy+float64(y), sxx+x*x, sxy+x*float64(y)
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// PeriodicAnchored runs a periodic job every d for ticks runs and reports
// whether every run's TickFrom was exactly first + k*d.
func PeriodicAnchored(d time.Duration, ticks int) (bool, error) {
	s := periodic.New()
	s.Start()
	defer func() { _ = s.Shutdown(context.Background()) }()
	first := time.Now().Add(d)
	var mu sync.Mutex
	var got []time.Time
	done := make(chan struct{})
	_, err := periodic.Schedule(s, periodic.Every(d), func(ctx context.Context) (struct{}, error) {
		mu.Lock()
		defer mu.Unlock()
		if len(got) < ticks {
			got = append(got, periodic.TickFrom(ctx))
			if len(got) == ticks {
				close(done)
			}
		}
		return struct{}{}, nil
	}, periodic.WithStartAt(first.Add(-d)))
	if err != nil {
		return false, err
	}
	select {
	case <-done:
	case <-time.After(time.Duration(ticks+10) * d):
		return false, errors.New("periodic: the anchored job did not run in time")
	}
	mu.Lock()
	defer mu.Unlock()
	for k, t := range got {
		if !t.Equal(first.Add(time.Duration(k) * d)) {
			return false, nil
		}
	}
	return true, nil
}

// FutureCost is the per-run cost of a future: periodic.Go and Await
// against go and a WaitGroup.
type FutureCost struct {
	N                 int
	GoCPUPer1000      time.Duration
	FloorCPUPer1000   time.Duration
	GoAllocsPerRun    float64
	FloorAllocsPerRun float64
}

// MeasureFuture starts n no-op functions with periodic.Go, awaits their
// futures, and does the same with go statements and a WaitGroup.
func MeasureFuture(n int) FutureCost {
	ctx := context.Background()
	fn := func(context.Context) (struct{}, error) { return struct{}{}, nil }
	futs := make([]*periodic.Future[struct{}], n)
	cost := func(body func()) (time.Duration, float64) {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		c0 := CPUTime()
		body()
		c1 := CPUTime()
		runtime.ReadMemStats(&m1)
		return (c1 - c0) * 1000 / time.Duration(n), float64(m1.Mallocs-m0.Mallocs) / float64(n)
	}
	goCPU, goAllocs := cost(func() {
		for i := range futs {
			futs[i] = periodic.Go(ctx, fn)
		}
		for _, f := range futs {
			_, _ = f.Await(ctx)
		}
	})
	floorCPU, floorAllocs := cost(func() {
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				_, _ = fn(ctx)
				wg.Done()
			}()
		}
		wg.Wait()
	})
	return FutureCost{N: n, GoCPUPer1000: goCPU, FloorCPUPer1000: floorCPU, GoAllocsPerRun: goAllocs, FloorAllocsPerRun: floorAllocs}
}
