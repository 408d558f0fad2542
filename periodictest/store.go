package periodictest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/periodic-go/periodic"
)

// Store is an in-memory periodic.Store, the reference implementation of
// the store contract: share one Store between several schedulers in one
// process and they behave as replicas sharing Redis or PostgreSQL. The
// state lives as long as the Store: a scheduler made anew on the same
// Store is a restarted replica. Fail makes every call fail, as an
// unreachable backend would, without losing the state (a restart of a
// durable server). Calls counts the calls, the round trips of a real
// backend.
//
// A Store is safe for use by several goroutines; the zero value is ready
// to use.
type Store struct {
	mu     sync.Mutex // guards the fields below
	jobs   map[string]*memJob
	ranges map[string][]memRange // per job, the kept backfill ranges, by end
	fail   error
	calls  int
}

// memJob is one job's state.
type memJob struct {
	mark    time.Time
	paused  bool
	reason  string
	lease   periodic.LeaseInfo
	pending []time.Time
	counts  periodic.StoreCounts
	history []periodic.RunRecord
}

// memRange is a claimed backfill range.
type memRange struct {
	from, to time.Time
	holder   string
}

// keptRanges is how many backfill ranges a Store keeps per job: the
// ones that end last.
const keptRanges = 100

var _ periodic.Store = (*Store)(nil)

// NewStore returns an empty Store.
func NewStore() *Store { return &Store{} }

// Fail makes every later call fail with an error wrapping err, or succeed
// again when err is nil. The state is kept.
func (s *Store) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

// Calls returns how many calls the Store has answered or refused.
func (s *Store) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// enter locks s, counts the call and returns the failure to report, if
// any; the caller unlocks.
func (s *Store) enter(ctx context.Context, op, job string) error {
	s.mu.Lock()
	s.calls++
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("periodictest.Store: %s %q: %w", op, job, err)
	}
	if s.fail != nil {
		return fmt.Errorf("periodictest.Store: %s %q: %w", op, job, s.fail)
	}
	return nil
}

// job returns the state of name, made on first use; s.mu is held.
func (s *Store) job(name string) *memJob {
	if s.jobs == nil {
		s.jobs = make(map[string]*memJob)
	}
	j := s.jobs[name]
	if j == nil {
		j = new(memJob)
		s.jobs[name] = j
	}
	return j
}

// Claim decides c as the periodic.Store contract says.
func (s *Store) Claim(ctx context.Context, c periodic.Claim) (periodic.Grant, error) {
	if err := c.Check(); err != nil {
		return periodic.Grant{}, err
	}
	defer s.mu.Unlock()
	if err := s.enter(ctx, "Claim", c.Job); err != nil {
		return periodic.Grant{}, err
	}
	return s.job(c.Job).claim(c), nil
}

// claim is the contract's claim on one job's state.
func (j *memJob) claim(c periodic.Claim) periodic.Grant {
	if j.paused {
		return periodic.Grant{Status: periodic.StatusPaused}
	}
	if !c.Tick.After(j.mark) {
		return periodic.Grant{Status: periodic.StatusLost}
	}
	j.mark = c.Tick
	held := j.lease.Token != ""
	live := held && j.lease.Expires.After(c.Now)
	switch {
	case !held && len(j.pending) > 0: // left by a replica that shut down: the oldest runs first
		p := j.pending[0]
		j.pending = append(j.pending[1:], c.Tick)
		j.lease = periodic.LeaseInfo{Tick: p, Token: c.Token, Holder: c.Holder, Expires: c.Now.Add(c.TTL)}
		return won(c, p, false)
	case held && !live && c.TakeOver:
		orphan := j.lease.Tick
		j.pending = append(j.pending, c.Tick)
		j.lease = periodic.LeaseInfo{Tick: orphan, Token: c.Token, Holder: c.Holder, Expires: c.Now.Add(c.TTL)}
		return won(c, orphan, true)
	case !live, c.Mode == periodic.ClaimAllow:
		if !live {
			j.counts.Skips += len(j.pending)
			j.pending = nil
		}
	case c.Mode == periodic.ClaimSkip:
		j.counts.Skips++
		return periodic.Grant{Status: periodic.StatusSkipped}
	case c.Mode == periodic.ClaimQueue:
		if len(j.pending) >= c.Buffer {
			j.counts.Skips++
			return periodic.Grant{Status: periodic.StatusSkipped}
		}
		j.pending = append(j.pending, c.Tick)
		return periodic.Grant{Status: periodic.StatusQueued}
	default: // ClaimReplace
		j.counts.Skips += len(j.pending)
		j.pending = nil
	}
	j.lease = periodic.LeaseInfo{Tick: c.Tick, Token: c.Token, Holder: c.Holder, Expires: c.Now.Add(c.TTL)}
	return won(c, c.Tick, false)
}

// won is the grant of tick under c's token.
func won(c periodic.Claim, tick time.Time, takeOver bool) periodic.Grant {
	return periodic.Grant{Status: periodic.StatusWon, Tick: tick, TakeOver: takeOver,
		Lease: periodic.LeaseRef{Job: c.Job, Tick: tick, Token: c.Token}}
}

// Renew extends l's lease if it is still l's.
func (s *Store) Renew(ctx context.Context, l periodic.LeaseRef, now time.Time, ttl time.Duration) (bool, error) {
	if err := l.Check(); err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	if err := s.enter(ctx, "Renew", l.Job); err != nil {
		return false, err
	}
	j := s.job(l.Job)
	if j.lease.Token != l.Token {
		return false, nil
	}
	j.lease.Expires = now.Add(ttl)
	return true, nil
}

// Release records rec and frees l's lease or hands the next buffered tick
// over under next's token.
func (s *Store) Release(ctx context.Context, l periodic.LeaseRef, rec periodic.RunRecord, keep int, next periodic.Claim) (periodic.Grant, error) {
	if err := l.Check(); err != nil {
		return periodic.Grant{}, err
	}
	defer s.mu.Unlock()
	if err := s.enter(ctx, "Release", l.Job); err != nil {
		return periodic.Grant{}, err
	}
	j := s.job(l.Job)
	j.record(rec, keep)
	if j.lease.Token != l.Token {
		return periodic.Grant{Status: periodic.StatusLost}, nil
	}
	if len(j.pending) == 0 || next.Token == "" {
		j.lease = periodic.LeaseInfo{}
		return periodic.Grant{Status: periodic.StatusWon}, nil
	}
	p := j.pending[0]
	j.pending = j.pending[1:]
	j.lease = periodic.LeaseInfo{Tick: p, Token: next.Token, Holder: next.Holder, Expires: next.Now.Add(next.TTL)}
	next.Job = l.Job
	return won(next, p, false), nil
}

// record adds rec to the counters and to the history kept to keep.
func (j *memJob) record(rec periodic.RunRecord, keep int) {
	j.counts.Runs++
	if rec.Err == nil {
		j.counts.Successes++
	} else {
		j.counts.Failures++
		rec.Err = errors.New(rec.Err.Error()) // as a real backend keeps it: text
	}
	if keep <= 0 {
		return
	}
	j.history = append(j.history, rec)
	if k := len(j.history) - keep; k > 0 {
		j.history = slices.Delete(j.history, 0, k)
	}
}

// ClaimRange claims a backfill range that overlaps none of the job's kept
// ranges.
func (s *Store) ClaimRange(ctx context.Context, job string, from, to time.Time, holder string) error {
	if err := periodic.CheckJob("ClaimRange", job); err != nil {
		return err
	}
	if from.IsZero() || to.Before(from) {
		return fmt.Errorf("%w: ClaimRange(%q): bad range %v..%v", periodic.ErrInvalid, job, from, to)
	}
	defer s.mu.Unlock()
	if err := s.enter(ctx, "ClaimRange", job); err != nil {
		return err
	}
	kept := s.ranges[job]
	for _, r := range kept {
		if !from.After(r.to) && !r.from.After(to) {
			return fmt.Errorf("%w: %s from %s to %s overlaps the range from %s to %s, by %s", periodic.ErrClaimed, job,
				from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano),
				r.from.UTC().Format(time.RFC3339Nano), r.to.UTC().Format(time.RFC3339Nano), r.holder)
		}
	}
	kept = append(kept, memRange{from: from, to: to, holder: holder})
	slices.SortStableFunc(kept, func(a, b memRange) int { return a.to.Compare(b.to) })
	if k := len(kept) - keptRanges; k > 0 {
		kept = slices.Delete(kept, 0, k)
	}
	if s.ranges == nil {
		s.ranges = make(map[string][]memRange)
	}
	s.ranges[job] = kept
	return nil
}

// Load returns a copy of the job's state.
func (s *Store) Load(ctx context.Context, job string) (periodic.JobState, error) {
	if err := periodic.CheckJob("Load", job); err != nil {
		return periodic.JobState{}, err
	}
	defer s.mu.Unlock()
	if err := s.enter(ctx, "Load", job); err != nil {
		return periodic.JobState{}, err
	}
	j, ok := s.jobs[job]
	if !ok {
		return periodic.JobState{}, nil
	}
	return periodic.JobState{Mark: j.mark, Paused: j.paused, Reason: j.reason, Lease: j.lease,
		Pending: slices.Clone(j.pending), Counts: j.counts, History: slices.Clone(j.history)}, nil
}

// SetPause pauses or resumes the job for every replica.
func (s *Store) SetPause(ctx context.Context, job string, paused bool, reason string, at time.Time) error {
	if err := periodic.CheckPause("SetPause", job, paused, at); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := s.enter(ctx, "SetPause", job); err != nil {
		return err
	}
	j := s.job(job)
	if !paused && j.paused && at.After(j.mark) { // the ticks missed while paused are never claimed
		j.mark = at
	}
	j.paused, j.reason = paused, reason
	if !paused {
		j.reason = ""
	}
	return nil
}
