package periodic

import (
	"slices"
	"time"
)

// The budget of Next calls that a misfire's walks share (count.go), and
// the one that the misfires released at one instant share (misfirePool,
// a field of the Scheduler).

// misfireBudget is the calls the walks of one misfire share: enough for a
// walk to walkCap of an Or of two crons and MisfireCatchUp's walk of its
// last maxCatchUp ticks (about 4,000), or for 600 ticks of an And of two
// crons (5 members asked a tick) on each side of a catch-up window.
// misfireExtra bounds what a misfire asks beyond them: three lastFrom and
// the next tick.
const (
	misfireBudget = 6_000
	misfireExtra  = 3*77 + 8
)

// userBudget replaces misfireBudget for a trigger the scheduler cannot
// see into (opaque): a user's type, or a combinator with one among its
// members. A call is then one Next of it, whose cost is the user's: a
// misfire makes at most userBudget + misfireExtra (1,739) of them, which
// takes more than 10 ms once a Next takes more than about 5 µs.
const userBudget = 1_500

// opaque reports whether t is, or has among its members, a trigger that
// is not the package's: its Next may cost anything, and the scheduler
// cannot count the work of one.
func opaque(t Trigger) bool {
	switch t := t.(type) {
	case every, grid, *cron, at, everyRandom:
		return false
	case or:
		return slices.ContainsFunc(t.ts, opaque)
	case and:
		return slices.ContainsFunc(t.ts, opaque)
	case except:
		return opaque(t.t) || opaque(t.skip)
	}
	return true
}

// nextCounted returns c's Next after the given time, as c.Next does, and
// the calls to members' Next it made: what a walk by Next of a
// combinator of the package's triggers is charged for one Next.
func nextCounted(c combinator, after time.Time) (time.Time, int) {
	b := budget{limits: nextLimits, left: nextLimits.calls}
	n := c.nextWithin(after.Round(0), &b)
	calls := nextLimits.calls - b.left
	if b.left < 0 || n.IsZero() {
		return time.Time{}, calls
	}
	return n.In(after.Location()), calls
}

// The misfires released at one instant (a batch of the dispatcher's,
// or the deadlines periodictest releases one at a time at one reading of
// the clock) share batchBudget calls: each takes from what the earlier
// ones left, at most misfireBudget, and at least misfireFloor, what a
// misfire needs to find its next tick cheaply (a few ticks walked give
// the spacing lastFrom gallops by). N jobs misfiring at once thus cost
// about batchBudget + N x misfireFloor calls, not N x misfireBudget
// (MisfireCatchUp's walk of the ticks it runs is its own: misfireWithin).
// The share depends only on the order of release, the heap's (when,
// place, seq) on both paths, and on the instant, so a driven timeline
// gives the same counts every run.
const (
	batchBudget  = misfireBudget
	misfireFloor = 64
)

// misfirePool is what the misfires released at the instant at have left
// of batchBudget. Guarded by s.mu; only the releaser uses it.
type misfirePool struct {
	at   time.Time
	left int
}

// allowance returns the budget of a misfire released at now.
func (p *misfirePool) allowance(now time.Time) int {
	if !p.at.Equal(now) {
		p.at, p.left = now, batchBudget
	}
	return min(misfireBudget, max(misfireFloor, p.left))
}

// spend takes the calls a misfire released at now made.
func (p *misfirePool) spend(now time.Time, calls int) {
	if p.at.Equal(now) {
		p.left -= calls
	}
}

// callBudget is what is left of a misfire's budget: Next calls, below
// zero once overdrawn by the last tick's calls or a bisection. Walks stop
// at reserve: MisfireCatchUp keeps half the budget from its counts for
// the walk of the ticks it runs. The methods take a nil budget as one
// that never runs out.
type callBudget struct {
	left, reserve int
	used, ticks   int           // calls charged, and ticks walked, so far
	counted       int           // of used, the calls of the counts (misfireWithin)
	spacing       time.Duration // the mean spacing of the last walk of 2 ticks or more
}

// charge takes n calls from b.
func (b *callBudget) charge(n int) {
	if b != nil {
		b.left -= n
		b.used += n
	}
}

// spent reports whether the walks must stop.
func (b *callBudget) spent() bool { return b != nil && b.left <= b.reserve }

// walked counts a tick walked.
func (b *callBudget) walked() {
	if b != nil {
		b.ticks++
	}
}

// spaced keeps d, a walk's mean spacing, if known, and returns it; for
// a walk too short to know, the last known.
func (b *callBudget) spaced(d time.Duration) time.Duration {
	switch {
	case b == nil:
	case d > 0:
		b.spacing = d
	default:
		d = b.spacing
	}
	return d
}

// affords returns how many ticks the calls left above the reserve
// afford at the mean calls a tick walked has cost so far, or 0 before
// any tick was walked.
func (b *callBudget) affords() int {
	if b == nil || b.ticks == 0 || b.used == 0 {
		return 0
	}
	return max(0, b.left-b.reserve) * b.ticks / b.used
}
