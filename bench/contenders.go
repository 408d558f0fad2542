// Package bench compares periodic with its peers on the workloads of the
// seed scenario at scale: idle footprint, the CPU of a ticking job among
// idle ones, a burst of runs due at the same instant, and drift.
//
// The contenders are periodic, gocron v2 (DurationJob, defaults), robfig
// cron v3 (cron.Every, whole seconds only), a floor of bare time.AfterFunc
// timers re-armed at start+k*d, and the naive port of the seed (one
// goroutine per job looping "go fn(); sleep d"). cmd/peers prints the
// comparison; the testing.B benchmarks cover the same workloads where they
// fit the shape of a benchmark.
package bench

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/periodic-go/periodic"
	"github.com/robfig/cron/v3"
)

// Task is the function of one or more jobs, in each contender's native
// shape, so that no contender pays for an adapter the harness made.
type Task struct {
	Run  func()
	fn   periodic.Func[struct{}]
	cron cron.Job
}

// NewTask returns a task that calls run.
func NewTask(run func()) *Task {
	return &Task{
		Run:  run,
		fn:   func(context.Context) (struct{}, error) { run(); return struct{}{}, nil },
		cron: cron.FuncJob(run),
	}
}

// Contender is one scheduler under test. Add registers a job that runs t
// every d with its first tick at first (the zero time: registration + d),
// and later ticks at first + k*d. Settle returns once every job added so
// far is armed. Stop stops ticking and waits for the runs in flight.
type Contender interface {
	Add(d time.Duration, first time.Time, t *Task) error
	Start()
	Settle()
	Stop()
}

// Peer describes a contender and builds instances of it.
type Peer struct {
	Name string
	// Quantum is the smallest interval the contender supports, and the
	// grid its ticks fall on; zero when any interval works.
	Quantum time.Duration
	// AddBeforeStart says jobs are added before Start rather than to a
	// running scheduler.
	AddBeforeStart bool
	// Floor marks the reference the others are compared to.
	Floor bool
	New   func() Contender
}

// Peers returns the contenders, the floor first.
func Peers() []Peer {
	return []Peer{
		{Name: "floor", Floor: true, New: func() Contender { return newFloor(false) }},
		{Name: "periodic", New: func() Contender { return newPeriodic(false) }},
		{Name: "gocron", New: newGocron},
		{Name: "robfig", Quantum: time.Second, AddBeforeStart: true, New: newRobfig},
		{Name: "naive", New: newNaive},
	}
}

// PeriodicOnDone is periodic with every run's future read through OnDone.
func PeriodicOnDone() Peer {
	return Peer{Name: "periodic+OnDone", New: func() Contender { return newPeriodic(true) }}
}

// FloorDirect is the floor calling the function inside the timer's own
// goroutine instead of starting another one.
func FloorDirect() Peer {
	return Peer{Name: "floor, fn() inline", New: func() Contender { return newFloor(true) }}
}

// Settler is a contender that reads the result of every run. Expect
// returns a channel closed once n results have been read.
type Settler interface{ Expect(n int64) <-chan struct{} }

// periodicC is periodic: one scheduler, Every(d) jobs.
type periodicC struct {
	s       *periodic.Scheduler
	read    bool
	settled atomic.Int64
	want    atomic.Int64
	done    chan struct{}
}

func newPeriodic(read bool) Contender {
	// Misfires (a registration slower than its lead) are reported by
	// the harness, not logged by each of 10,000 jobs.
	c := &periodicC{s: periodic.New(periodic.WithLogger(slog.New(slog.DiscardHandler))), read: read}
	if read {
		return periodicRead{c}
	}
	return c
}

// periodicRead is periodic reading every run's future; it counts them.
type periodicRead struct{ *periodicC }

// Expect must be called before the runs it waits for start.
func (c periodicRead) Expect(n int64) <-chan struct{} {
	c.done = make(chan struct{})
	c.want.Store(n)
	return c.done
}

func (c *periodicC) Add(d time.Duration, first time.Time, t *Task) error {
	var opts []periodic.JobOption
	if !first.IsZero() {
		opts = append(opts, periodic.WithStartAt(first.Add(-d)))
	}
	j, err := periodic.Schedule(c.s, periodic.Every(d), t.fn, opts...)
	if err != nil {
		return err
	}
	if c.read {
		j.OnRun(func(_ time.Time, f *periodic.Future[struct{}]) {
			f.OnDone(func(f *periodic.Future[struct{}]) {
				if _, err := f.Result(); err == nil && c.settled.Add(1) == c.want.Load() {
					close(c.done)
				}
			})
		})
	}
	return nil
}

func (c *periodicC) Start()  { c.s.Start() }
func (c *periodicC) Settle() {}
func (c *periodicC) Stop()   { _ = c.s.Shutdown(context.Background()) }

// gocronC is gocron v2 with its defaults and DurationJob.
type gocronC struct{ s gocron.Scheduler }

func newGocron() Contender {
	s, err := gocron.NewScheduler()
	if err != nil {
		panic(err) // gocron fails only on bad options, and we pass none
	}
	return &gocronC{s: s}
}

func (c *gocronC) Add(d time.Duration, first time.Time, t *Task) error {
	var opts []gocron.JobOption
	if !first.IsZero() {
		opts = append(opts, gocron.WithStartAt(gocron.WithStartDateTime(first)))
	}
	_, err := c.s.NewJob(gocron.DurationJob(d), gocron.NewTask(t.Run), opts...)
	return err
}

func (c *gocronC) Start()  { c.s.Start() }
func (c *gocronC) Settle() {}
func (c *gocronC) Stop()   { _ = c.s.Shutdown() }

// robfigC is robfig/cron v3 with cron.Every. Every rounds intervals up to
// a whole second and ticks on whole seconds after the first. A first tick,
// when given, is set by wrapping Every in startAt, which only answers the
// first call of Next differently; the Cron's run loop is the same. Jobs are
// added before Start: a running Cron re-sorts all its entries after every
// Add, which makes registering n jobs O(n² log n).
type robfigC struct{ c *cron.Cron }

func newRobfig() Contender { return &robfigC{c: cron.New()} }

func (c *robfigC) Add(d time.Duration, first time.Time, t *Task) error {
	var s cron.Schedule = cron.Every(d)
	if !first.IsZero() {
		s = startAt{first: first, then: s}
	}
	c.c.Schedule(s, t.cron)
	return nil
}

// startAt is a robfig schedule whose first activation is first.
type startAt struct {
	first time.Time
	then  cron.Schedule
}

// Next returns first until it has passed, then defers to then.
func (s startAt) Next(t time.Time) time.Time {
	if t.Before(s.first) {
		return s.first
	}
	return s.then.Next(t)
}

func (c *robfigC) Start()  { c.c.Start() }
func (c *robfigC) Settle() { c.c.Entries() } // answered once the run loop has armed every entry
func (c *robfigC) Stop()   { <-c.c.Stop().Done() }

// floorC is the floor: one time.AfterFunc per job, re-armed at start+k*d,
// starting each run with go fn() (or calling fn inline when direct).
type floorC struct {
	direct   bool
	mu       sync.Mutex // guards jobs
	jobs     []*floorJob
	stopped  atomic.Bool
	inflight atomic.Int64
}

type floorJob struct {
	c    *floorC
	t    atomic.Pointer[time.Timer] // set once; atomic only to order it before fire
	next time.Time
	d    time.Duration
	run  func()
}

func newFloor(direct bool) Contender { return &floorC{direct: direct} }

func (c *floorC) Add(d time.Duration, first time.Time, t *Task) error {
	if first.IsZero() {
		first = time.Now().Add(d)
	}
	j := &floorJob{c: c, next: first, d: d, run: t.Run}
	c.mu.Lock()
	c.jobs = append(c.jobs, j)
	j.t.Store(time.AfterFunc(time.Until(first), j.fire))
	c.mu.Unlock()
	return nil
}

func (j *floorJob) fire() {
	c := j.c
	c.inflight.Add(1)
	if c.stopped.Load() {
		c.inflight.Add(-1)
		return
	}
	j.next = j.next.Add(j.d)
	for j.t.Load() == nil { // fired before Add stored the timer: only when first was due
		runtime.Gosched()
	}
	j.t.Load().Reset(time.Until(j.next))
	if c.direct {
		j.run()
		c.inflight.Add(-1)
		return
	}
	go func() {
		j.run()
		c.inflight.Add(-1)
	}()
}

func (c *floorC) Start()  {}
func (c *floorC) Settle() {}

func (c *floorC) Stop() {
	c.stopped.Store(true)
	c.mu.Lock()
	for _, j := range c.jobs {
		if t := j.t.Load(); t != nil {
			t.Stop()
		}
	}
	c.mu.Unlock()
	waitZero(&c.inflight)
}

// naiveC is the naive port of the seed: a goroutine per job looping
// "go fn(); sleep d". The sleep is a per-goroutine timer rather than
// time.Sleep so that Stop can end the goroutine; like time.Sleep it is
// relative to the moment the goroutine wakes, so ticks drift.
type naiveC struct {
	stop     chan struct{}
	loops    sync.WaitGroup
	armed    sync.WaitGroup
	inflight atomic.Int64
}

func newNaive() Contender { return &naiveC{stop: make(chan struct{})} }

func (c *naiveC) Add(d time.Duration, first time.Time, t *Task) error {
	c.loops.Add(1)
	c.armed.Add(1)
	go c.loop(d, first, t.Run)
	return nil
}

func (c *naiveC) loop(d time.Duration, first time.Time, run func()) {
	defer c.loops.Done()
	wait := d
	if !first.IsZero() {
		wait = time.Until(first)
	}
	tm := time.NewTimer(wait)
	c.armed.Done()
	for {
		select {
		case <-tm.C:
		case <-c.stop:
			tm.Stop()
			return
		}
		c.inflight.Add(1)
		go func() {
			run()
			c.inflight.Add(-1)
		}()
		tm.Reset(d)
	}
}

func (c *naiveC) Start()  {}
func (c *naiveC) Settle() { c.armed.Wait() }

func (c *naiveC) Stop() {
	close(c.stop)
	c.loops.Wait()
	waitZero(&c.inflight)
}

// waitZero waits until n drops to zero.
func waitZero(n *atomic.Int64) {
	for n.Load() > 0 {
		time.Sleep(time.Millisecond)
	}
}

// Register adds n jobs from tasks (task i%len(tasks)) every d with first
// tick first, then starts p's contender, in the order p wants, and waits
// until every job is armed. It returns the contender and how long that
// took.
func Register(p Peer, n int, d time.Duration, first time.Time, task func(i int) *Task) (Contender, time.Duration, error) {
	c := p.New()
	t0 := time.Now()
	if !p.AddBeforeStart {
		c.Start()
	}
	for i := range n {
		if err := c.Add(d, first, task(i)); err != nil {
			c.Stop()
			return nil, 0, fmt.Errorf("%s: job %d: %w", p.Name, i, err)
		}
	}
	if p.AddBeforeStart {
		c.Start()
	}
	c.Settle()
	return c, time.Since(t0), nil
}
