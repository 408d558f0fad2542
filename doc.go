// Package periodic runs periodic work the way Python's asyncio runs tasks:
// a [Scheduler] plays the event loop, each run of a job is a task, and every
// run hands back a [Future] you can await, cancel, or hang a callback on.
//
// # The seed scenario
//
// Every 10 s a job is spawned; each job takes a random 5-15 s; jobs run
// concurrently, so a new one starts while older ones are still running:
//
//	s := periodic.New()
//	job, err := periodic.Schedule(s, periodic.Every(10*time.Second),
//		func(ctx context.Context) (int, error) {
//			d := time.Duration(5+rand.IntN(11)) * time.Second
//			if err := periodic.Sleep(ctx, d); err != nil { // clock-aware, cancellable
//				return 0, err
//			}
//			return int(d / time.Second), nil
//		},
//		periodic.WithName("run_job"), periodic.StartImmediately())
//	s.Start()
//	n, err := job.RunNow().Await(ctx)
//	_ = s.Shutdown(ctx) // stop ticking, wait for runs
//
// # asyncio in Go
//
//	asyncio                          periodic
//	-------                          --------
//	event loop                       Scheduler (New, Start, Shutdown)
//	asyncio.create_task(coro)        Go(ctx, fn), or a job's run
//	asyncio.Future                   Future, with Promise as its producer
//	fut.done() / result()            Done, Result (non-blocking)
//	fut.exception()                  Err
//	await fut                        Await(ctx)
//	fut.cancel() / cancelled()       Cancel, Cancelled
//	fut.add_done_callback(fn)        OnDone (returns stop)
//	asyncio.sleep(d)                 Sleep(ctx, d), on the scheduler's clock
//	asyncio.gather(...)              Gather; AllSettled (return_exceptions)
//	asyncio.as_completed(...)        AsCompleted (an iter.Seq)
//	asyncio.wait(...)                Wait with FirstCompleted and friends
//	asyncio.wait_for(aw, t)          Timeout(ctx, f, t), TimeoutOn
//	asyncio.shield(aw)               Shield
//	asyncio.TaskGroup                Group, Spawn
//	CancelledError                   ErrCancelled (is context.Canceled)
//
// The combinators keep asyncio's rules where Go can: a cancelled [Gather]
// or [AllSettled] settles as cancelled whatever its children return
// (bpo-32684); a [Group] is single-use, so Spawn after Wait has returned
// is refused, as TaskGroup.create_task on an exited group; and a
// [Timeout] asked for inside a run runs on that run's clock, as wait_for
// uses the running loop, so mock and real time never mix.
//
// # Futures
//
// A future is pending until it settles, exactly once, as succeeded,
// failed or cancelled; its value and error are written before Done is
// closed and never change. Result and Err never block: on a pending future
// they return an error wrapping [ErrInvalidState]. Await blocks until the
// future settles or its context ends, and never changes the future.
//
// Cancel on a [Promise]'s future settles it as cancelled at once. Cancel
// on a run's or Go's future cancels the function's context; the future
// settles when the function returns, so Done means its goroutine has
// finished. OnDone callbacks run after Done is closed, one at a time in
// registration order, on at most one goroutine per future, never inside
// OnDone or inside the call that settled the future. A panic in a job or
// in Go becomes a [*PanicError]; nothing re-panics.
//
// # Jobs and triggers
//
// [Schedule] adds a job on a [Trigger]: [Every], [EveryRandom], [Cron] or
// [At]. Ticks are anchored: the k-th tick of Every(d) is at anchor + k*d,
// however late a run starts, unless [WithIntervalFromCompletion] counts
// each interval from the end of the previous run. [Job.Update] replaces a
// job's trigger and options in place, keeping its name, Stats, history and
// pause state. An end already past at
// Schedule (At's instants, WithStopAt) is an error, not a job that never
// runs. Before Start, NextRun and Describe show the runs of triggers that
// do not depend on the anchor (Cron, At, combinators); Every's, only under
// WithStartAt. [Overlap] decides what a tick does while a run is in flight,
// [Misfire] what happens to ticks the scheduler missed, and WithTimeout,
// WithRetry, WithJitter, WithLimit, WithStopAt shape each run. Hooks, a
// slog logger and per-job Stats report what happened, in one vocabulary:
// a cancelled run is a cancellation (Stats.Cancellations, Outcome
// "cancelled"), not a failure, for WithPauseOnFailure too. With [WithStore],
// replicas of a service share each named job's state (a [Store]): each
// tick runs at most once in the cluster, overlap policies and pause hold
// across replicas, and a restarted replica resumes from the job's last
// claimed tick under its Misfire policy. [WithLocker] is the simpler
// interface of one claim per tick.
//
// The modules github.com/periodic-go/periodic/otel (OpenTelemetry spans
// and metrics) and github.com/periodic-go/periodic/prometheus (a
// Prometheus collector) plug in through [WithHooks]; Hooks.RunContext puts
// a run's span in its context, so the job's own spans are its children.
//
// Coming from robfig/cron or gocron: [MustCron] suits package-level
// schedules, [NoResult] adapts a job that returns only an error, and
// WithOverlap(OverlapSkip) or WithOverlap(OverlapQueue) replace
// SkipIfStillRunning and DelayIfStillRunning. Cron ranges read "sat-sun"
// with Sunday as 7, as cronie does, and wrap around ("fri-mon", "22-2"),
// as Quartz does; an expression used as [Except]'s skip trigger stands
// for whole minutes (seconds, with six fields), like Quartz's exclusion
// calendars. The README has a table of equivalents.
//
// # Testing with a mock clock
//
// The scheduler reads time only through its clock ([WithClock]). Package
// periodictest drives a scheduler on a *clock.Mock: Advance moves the
// clock deadline by deadline and, after each step, waits until the
// scheduler is idle. Idle means every run that became due has started (or
// waits for a concurrency slot or its turn in a queue), and every
// goroutine of the scheduler has returned or is blocked in [Sleep], or in
// Await or a combinator, with nothing about to wake it. Deadlines due at
// the same instant are released one at a time, in the order described
// below. So a test or example that prints from jobs prints the same lines
// on every run, under -race, with no time.Sleep and no polling.
//
// Two rules keep it so. Inside a job, wait with [Sleep] and Await rather
// than time.Sleep or bare channels, so the scheduler can see the wait; and
// start helper goroutines with [Go](ctx, ...) rather than the go
// statement, so the scheduler can see them. For long simulated spans use
// periodictest.NewClock, which moves without the mock's real-time pauses
// and gives the mock's timeline to timers made through it. A Shutdown on a
// driven scheduler whose runs wait for a clock that only the test moves
// fails fast with [ErrStalled] instead of waiting forever: it assumes that
// its caller is the goroutine that moves the clock. A run busy on
// something the scheduler cannot see (a bare channel of the clock, a lock)
// keeps it from being idle; Advance, given a context that ends, then names
// that run in its error.
//
// Timers that user code makes through the clock (s.Clock().AfterFunc,
// After, WithTimeout and the like) are faithful on periodictest.NewClock,
// which stops at each of them. A *clock.Mock fires them as it moves to the
// next deadline of the scheduler and stands there before the code they
// woke runs, so a run woken by such a timer that then calls Sleep counts
// from the later time: use periodictest.NewClock when runs wait for such
// timers.
//
// # The order of one instant
//
// Deadlines due at the same instant (ticks, sleeps, retries' waits,
// jitter, WithTimeout, [Timeout]) are released in an order that depends
// only on the program, never on which goroutine happened to call Sleep
// first. Each job, run and task has a place in a tree, numbered by its
// creator in the creator's own program order:
//
//   - jobs, in the order Schedule added them;
//   - a job's runs, in the order they were created (a tick's run when its
//     tick fired, RunNow's when it was called), after the job's tick;
//   - tasks started with [Go] in a run or in another task, in the order
//     their parent started them;
//   - a task's deadlines ([Sleep], a retry's wait, its jitter), in the
//     order it registered them, among its tasks;
//   - a run's WithTimeout, and a [Timeout] on a task's future, before
//     that run's or task's own deadlines.
//
// At one instant the tree is walked depth first: a job's tick, then its
// first run and all that run made, then its next run; within a run, each
// task or deadline in the order the run made it. So a run that starts
// five tasks sleeping 2, 1, 2, 1 and 2 s sees them complete as 1, 3 (at
// 1 s), then 0, 2, 4 (at 2 s), on every run. asyncio gives 1, 3, 2, 0, 4
// there: its timers live in a heap that does not keep the order of equal
// deadlines, which periodic does not copy.
//
// What is ordered is the release of deadlines: one at a time, each
// followed by a wait until the scheduler is idle, so the code that a
// release wakes runs alone until it waits again. What is not ordered is
// code that runs concurrently with it:
//
//   - a task started with [Go] runs as soon as Go returns, concurrently
//     with its creator, until its first wait: what the two do before they
//     wait interleaves as the goroutines happen to run (asyncio starts a
//     task only at its creator's next await; periodic does not, yet);
//     Sleep of zero or less returns at once and is not a wait (asyncio's
//     sleep(0) yields);
//   - goroutines woken by one event, such as two tasks awaiting one
//     future, or a future's awaiter and its OnDone callbacks, run
//     concurrently until they wait;
//   - two goroutines of the scheduler that meet only by racing, such as
//     two runs calling RunNow on the same job after one event woke both,
//     are ordered by who came first; a goroutine started with the go
//     statement has no place of its own.
//
// The places of deadlines do not depend on any of this: each task numbers
// its children in its own program order. So the order in which deadlines
// are released is fixed, and so is the code that each release wakes, but
// for the cases above; write a test's output after a wait, or from one
// goroutine.
//
// Timers made through the clock (s.Clock().AfterFunc, After, WithTimeout
// and the like) are not deadlines of the scheduler. On
// periodictest.NewClock they fire one at a time, all the timers of an
// instant before the scheduler's deadlines of that instant, in the order
// they were made; a WithTimeout or WithDeadline whose parent is a run's or
// task's context is the exception: it is numbered among that task's
// children, as a Sleep is, and fires in the order of its place. So make
// the other timers in one run's own program order, not from sibling tasks
// that race to make them, or use [Sleep] and [Timeout], which are
// ordered. On a *clock.Mock, whose AfterFunc functions start on goroutines
// of their own, the timers of one instant race.
//
// See the examples for the seed scenario on a mock clock, RunNow and
// Await, OnRun, overlap and misfire policies, cron and zones, retries with
// a per-attempt timeout, hooks and logging, Shutdown with a deadline and
// the futures' combinators; package periodictest has its own.
package periodic
