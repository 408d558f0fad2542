package periodic

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Defaults of WithLease.
const (
	defaultLeaseTTL   = 30 * time.Second
	defaultLeaseRenew = 10 * time.Second
)

// releaseRetries is how many times a failed Release is tried again, a
// quarter of the renewal interval apart, while the lease still lives.
const releaseRetries = 3

// storeState is the scheduler's side of WithStore: what it last saw of
// the cluster's pause flags, and the leases that Release handed over to
// runs that have not started yet. The zero value is ready to use.
type storeState struct {
	mu     sync.Mutex // guards the fields below; never held across a store call
	paused map[string]string
	handed map[*runBase]Grant
}

// setPaused caches the cluster's pause flag of job.
func (st *storeState) setPaused(job string, paused bool, reason string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !paused {
		delete(st.paused, job)
		return
	}
	if st.paused == nil {
		st.paused = make(map[string]string)
	}
	st.paused[job] = reason
}

// isPaused returns the cached pause flag of job and its reason.
func (st *storeState) isPaused(job string) (bool, string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	reason, ok := st.paused[job]
	return ok, reason
}

// hand records that r runs on the lease of g.
func (st *storeState) hand(r *runBase, g Grant) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.handed == nil {
		st.handed = make(map[*runBase]Grant)
	}
	st.handed[r] = g
}

// takeHanded returns and forgets the lease handed to r, if any.
func (st *storeState) takeHanded(r *runBase) (Grant, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	g, ok := st.handed[r]
	delete(st.handed, r)
	return g, ok
}

// storeDefaults completes the store's options once all are applied.
func (c *config) storeDefaults() {
	if c.store == nil {
		return
	}
	if c.locker != nil {
		c.fail("WithStore and WithLocker together: a store claims ticks itself")
	}
	if c.leaseTTL == 0 {
		c.leaseTTL, c.leaseRenew = defaultLeaseTTL, defaultLeaseRenew
	}
	if c.replica == "" {
		c.replica = "replica-" + newToken()[:8]
	}
}

// newToken returns 128 random bits in hex, unique to one claim.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails, per crypto/rand
	return hex.EncodeToString(b[:])
}

// stored reports whether the job's state lives in the scheduler's store:
// it has one and the job was named with WithName.
func (j *Job[T]) stored() bool { return j.s.cfg.store != nil && j.conf().name != "" }

// claimOf builds the claim of tick under the job's overlap policy.
func (j *Job[T]) claimOf(tick time.Time) Claim {
	cfg := &j.s.cfg
	c := Claim{Job: j.name, Tick: tick, Holder: cfg.replica, Token: newToken(), Now: cfg.clock.Now(),
		TTL: cfg.leaseTTL, TakeOver: cfg.atLeastOnce}
	switch j.conf().overlap {
	case OverlapSkip:
		c.Mode = ClaimSkip
	case OverlapQueue, OverlapBufferOne:
		c.Mode, c.Buffer = ClaimQueue, j.bufferBound()
	case OverlapReplace:
		c.Mode = ClaimReplace
	}
	return c
}

// callStore calls fn, turning a panic of the store into an error: a
// store is user code.
func callStore(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = newPanicError(v)
		}
	}()
	return fn()
}

// performStored is perform for a tick of a stored job: claim it, run it
// while a goroutine of the run renews the lease, then release it, and
// start the tick that the release may hand over.
//
//go:noinline
func (r *run[T]) performStored() (T, error) {
	var zero T
	j, s := r.job, r.s
	g, handed := s.st.takeHanded(&r.runBase)
	if handed && g.Lease.Token == "" { // backfilled: claimed with its range, no lease
		if j.conf().timeout > 0 {
			s.armTimeout(&r.runBase, j.conf().timeout)
		}
		return retry(r, j.conf().retry, j.fn)
	}
	if !handed {
		c := j.claimOf(r.tick)
		err := callStore(func() (err error) { g, err = s.cfg.store.Claim(r, c); return err })
		if err != nil {
			return zero, j.storeFailed("claim", r.tick, err)
		}
		if err := j.granted(r.tick, g); err != nil {
			return zero, err
		}
		if !g.Tick.Equal(r.tick) { // an older tick runs first (takeover, or left pending), this one waits behind it
			j.startHanded(g)
			return zero, fmt.Errorf("%w: job %q tick %s: waits behind the run of the older tick %s",
				ErrClaimed, j.name, r.tick.Format(time.RFC3339Nano), g.Tick.Format(time.RFC3339Nano))
		}
	}
	if j.conf().overlap == OverlapReplace {
		j.cancelOthers(&r.runBase)
	}
	if j.conf().timeout > 0 {
		s.armTimeout(&r.runBase, j.conf().timeout)
	}
	start := s.cfg.clock.Now()
	stop, renewals := r.keepLease(g.Lease)
	v, err := retry(r, j.conf().retry, j.fn)
	stop()
	_, _ = renewals.Await(context.Background())
	r.release(g.Lease, RunRecord{Tick: r.tick, Start: start, End: s.cfg.clock.Now(), Err: err})
	if j.conf().pauseFail && failure(err) { // WithPauseOnFailure pauses the cluster, or this replica if the store fails
		if !j.storePauseFor(true, fmt.Sprintf("paused on %s after tick %s failed: %v", s.cfg.replica, r.tick.Format(time.RFC3339Nano), err)) {
			j.pauseLocal(err)
		}
	}
	return v, err
}

// granted returns nil when g lets the run go on, else the error its
// future settles with, none of them a failure.
func (j *Job[T]) granted(tick time.Time, g Grant) error {
	j.s.st.setPaused(j.name, g.Status == StatusPaused, "")
	at := tick.Format(time.RFC3339Nano)
	switch g.Status {
	case StatusWon:
		return nil
	case StatusSkipped:
		return fmt.Errorf("%w: job %q tick %s: a run is in flight in the cluster", ErrSkipped, j.name, at)
	case StatusQueued:
		return fmt.Errorf("%w: job %q tick %s: buffered in the cluster; the replica that ends the run in flight runs it",
			ErrClaimed, j.name, at)
	case StatusPaused:
		return fmt.Errorf("%w: job %q tick %s: paused in the cluster", ErrPaused, j.name, at)
	}
	return fmt.Errorf("%w: job %q tick %s", ErrClaimed, j.name, at)
}

// storeFailed counts a store error of op and returns it wrapped. The
// error of a claim is the run's, which the run's end logs at Error level;
// the others are logged here, as errors, with the backend's message.
func (j *Job[T]) storeFailed(op string, tick time.Time, err error) error {
	s := j.s
	s.mu.Lock()
	j.l().stats.StoreErrors++
	s.mu.Unlock()
	if op != "claim" {
		s.cfg.log.Error("periodic: store error", "job", j.name, "tick", tick, "op", op, "error", err.Error())
	}
	return fmt.Errorf("%w: job %q tick %s: %s: %w", ErrStore, j.name, tick.Format(time.RFC3339Nano), op, err)
}

// keepLease starts the goroutine that renews lease every renew interval
// of the scheduler's clock until stop is called. A renewal that finds the
// lease gone (replaced, taken over) cancels the run, except under
// OverlapAllow, where a later run takes the lease over as a matter of
// course. A failed renewal is reported and retried at the next interval.
func (r *run[T]) keepLease(lease LeaseRef) (stop func(), done *Future[struct{}]) {
	j, s := r.job, r.s
	ctx, stop := context.WithCancel(context.WithoutCancel(context.Context(r)))
	done = Go(ctx, func(ctx context.Context) (struct{}, error) {
		for Sleep(ctx, s.cfg.leaseRenew) == nil {
			var held bool
			err := callStore(func() (err error) {
				held, err = s.cfg.store.Renew(ctx, lease, s.cfg.clock.Now(), s.cfg.leaseTTL)
				return err
			})
			switch {
			case err != nil:
				_ = j.storeFailed("renew", r.tick, err)
			case !held && j.conf().overlap != OverlapAllow:
				s.cfg.log.Debug("periodic: lease lost, cancelling the run", "job", j.name, "tick", r.tick)
				r.cancel()
				return struct{}{}, nil
			}
		}
		return struct{}{}, nil
	})
	return stop, done
}

// release ends the run's lease with its record and starts the buffered
// tick the store hands over, if any. A replica that is shutting down
// asks for none (a next claim without a token): the buffered ticks stay
// in the store, and the next claim of the job, on any replica, runs them.
//
// A failed Release is tried again up to releaseRetries times, a quarter
// of the renewal interval apart on the scheduler's clock, so that one
// blip of the backend does not leave the lease to expire (and, at least
// once, the finished run to be run again): the lease, last renewed at
// most one interval ago, outlives the retries. The retries stop when the
// run is cancelled (Shutdown). A Release that failed after it took
// effect is counted twice in the cluster's history; its retry finds the
// lease gone and changes nothing else.
func (r *run[T]) release(lease LeaseRef, rec RunRecord) {
	j, s := r.job, r.s
	next := j.claimOf(time.Time{})
	s.mu.Lock()
	if s.closing || j.state == jobRemoved {
		next = Claim{}
	}
	s.mu.Unlock()
	var g Grant
	var err error
	for try := 0; ; try++ {
		err = callStore(func() (err error) {
			g, err = s.cfg.store.Release(context.WithoutCancel(context.Context(r)), lease, rec, j.conf().history, next)
			return err
		})
		if err == nil || try == releaseRetries {
			break
		}
		_ = j.storeFailed("release", r.tick, err)
		if Sleep(r, s.cfg.leaseRenew/4) != nil {
			return
		}
	}
	switch {
	case err != nil:
		_ = j.storeFailed("release", r.tick, err)
	case g.Status == StatusWon && !g.Tick.IsZero():
		j.startHanded(g)
	case g.Status == StatusLost && j.conf().overlap != OverlapAllow:
		s.cfg.log.Debug("periodic: lease lost before release", "job", j.name, "tick", r.tick)
	}
}

// startHanded starts a run of g.Tick on the lease g, which this replica
// already holds: no claim, and no local overlap policy, which the store
// applied. After Shutdown or Remove the lease is left to expire.
func (j *Job[T]) startHanded(g Grant) {
	s := j.s
	r := newRun(j, g.Tick, true)
	s.st.hand(&r.runBase, g)
	s.mu.Lock()
	ok := !s.closing && j.state != jobRemoved && j.admitLocked(r)
	s.mu.Unlock()
	if !ok {
		s.st.takeHanded(&r.runBase)
		r.refuse(wrapf(ErrClosed, "job %q tick %s: handed over at shutdown", j.name, g.Tick.Format(time.RFC3339Nano)))
	}
}

// cancelOthers cancels the job's local runs in flight other than r: a
// replacing run won its claim.
func (j *Job[T]) cancelOthers(r *runBase) {
	s := j.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range j.l().active {
		if &a.runBase != r {
			a.cancel()
		}
	}
}

// notARun counts in stats a finished run that never called the job
// because of the store or the cluster, and reports whether it did: a
// lost claim, a tick buffered or skipped in the cluster, a paused job, a
// store error. Such runs are not Runs, and not Failures.
func notARun(stats *Stats, err error) bool {
	switch {
	case errors.Is(err, ErrStore): // counted by storeFailed
	case errors.Is(err, ErrClaimed):
		stats.LostClaims++
	case errors.Is(err, ErrPaused), errors.Is(err, ErrSkipped):
		stats.Skips++
	default:
		return false
	}
	return true
}
