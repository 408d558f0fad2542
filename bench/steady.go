package bench

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"time"
)

// Steady is a run of steady bursts: n jobs every d sharing one phase, for
// a number of ticks, measured over the whole life of every run: process
// CPU from just before the first tick until Stop has returned, so that
// settling each run's future, the job's books, the goroutine's exit and
// the shutdown are all paid for.
type Steady struct {
	N, Ticks                  int
	Every                     time.Duration
	CPUPer1000                time.Duration // process CPU per 1,000 runs, Start to Stop
	P50, P99, Max             time.Duration // lateness: run start minus its tick, over every run
	Stop                      time.Duration // wall time of Stop, after the last burst
	AllocsPerRun, BytesPerRun float64       // heap allocations over the same window, per run
}

// steadyRun is a steady run being measured.
type steadyRun struct {
	n, ticks int
	first    time.Time
	every    time.Duration
	count    []atomic.Int32 // runs started, per job
	starts   []atomic.Int64 // start of run k of job i at i*ticks+k, Unix ns
	started  atomic.Int64
	all      chan struct{} // closed when every run has started
}

// MeasureSteady registers n jobs every d (the contender's quantum if
// larger) whose first tick is the same instant, lead from now and on a
// whole multiple of d, lets them tick ticks times, and stops the
// contender. A Settler's runs also count as done only once their futures
// were read.
func MeasureSteady(p Peer, n, ticks int, d, lead time.Duration) (Steady, error) {
	r, err := measureSteady(p, n, ticks, d, lead)
	for tries := 0; errors.Is(err, errLate) && tries < 3; tries++ {
		lead *= 3 // the machine is slower than the lead allowed for
		r, err = measureSteady(p, n, ticks, d, lead)
	}
	return r, err
}

func measureSteady(p Peer, n, ticks int, d, lead time.Duration) (Steady, error) {
	d = max(d, p.Quantum)
	runtime.GC()
	b := &steadyRun{n: n, ticks: ticks, every: d, count: make([]atomic.Int32, n),
		starts: make([]atomic.Int64, n*ticks), all: make(chan struct{})}
	tasks := make([]*Task, n)
	for i := range tasks {
		tasks[i] = NewTask(func() { b.ran(i) })
	}
	b.first = time.Now().Add(lead).Truncate(d).Add(d)
	c, _, err := Register(p, n, d, b.first, func(i int) *Task { return tasks[i] })
	if err != nil {
		if time.Now().After(b.first.Add(-lead / 4)) {
			return Steady{}, fmt.Errorf("%w: %w", errLate, err)
		}
		return Steady{}, err
	}
	if time.Until(b.first) < lead/4 {
		c.Stop()
		return Steady{}, fmt.Errorf("%w: %s: registering %d jobs took longer than the %v lead", errLate, p.Name, n, lead)
	}
	var settled <-chan struct{}
	if s, ok := c.(Settler); ok {
		settled = s.Expect(int64(n * ticks))
	}
	time.Sleep(time.Until(b.first) - 20*time.Millisecond)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0 := CPUTime()
	select {
	case <-b.all:
	case <-time.After(time.Until(b.first) + time.Duration(ticks)*d + time.Minute):
		c.Stop()
		return Steady{}, fmt.Errorf("%s: %d of %d runs started", p.Name, b.started.Load(), n*ticks)
	}
	if settled != nil {
		<-settled
	}
	s0 := time.Now()
	c.Stop()
	stop := time.Since(s0)
	c1 := CPUTime()
	runtime.ReadMemStats(&m1)
	late := b.lateness()
	runs := float64(n * ticks)
	return Steady{
		N: n, Ticks: ticks, Every: d, Stop: stop,
		CPUPer1000: (c1 - c0) * 1000 / time.Duration(n*ticks),
		P50:        pct(late, 50), P99: pct(late, 99), Max: late[len(late)-1],
		AllocsPerRun: float64(m1.Mallocs-m0.Mallocs) / runs,
		BytesPerRun:  float64(m1.TotalAlloc-m0.TotalAlloc) / runs,
	}, nil
}

// ran records the start of job i's next run; runs past the measured
// ticks (a contender that ticks once more before it stops) are ignored.
func (b *steadyRun) ran(i int) {
	now := time.Now().UnixNano()
	k := int(b.count[i].Add(1)) - 1
	if k >= b.ticks {
		return
	}
	b.starts[i*b.ticks+k].Store(now)
	if b.started.Add(1) == int64(len(b.starts)) {
		close(b.all)
	}
}

// lateness returns each run's start minus its tick, first + k*every,
// sorted.
func (b *steadyRun) lateness() []time.Duration {
	late := make([]time.Duration, len(b.starts))
	for i := range b.starts {
		tick := b.first.Add(time.Duration(i%b.ticks) * b.every)
		late[i] = time.Duration(b.starts[i].Load() - tick.UnixNano())
	}
	slices.Sort(late)
	return late
}
