package periodic

import (
	"fmt"
	"time"
)

// everyRandom is the trigger returned by EveryRandom.
type everyRandom struct {
	min, max time.Duration
	seed     uint64 // drawn from the scheduler's source at Schedule
}

// EveryRandom returns a trigger that fires at random intervals between min
// and max, both included, like gocron's DurationRandomJob: the first tick
// is the job's anchor plus such an interval, and each next one the tick
// before plus another.
//
// The intervals stay a pure function of the instant they follow, so that
// Describe and NextRun show the ticks that will run and replaying a test
// gives the same ones: each is drawn from a hash of that instant and of a
// seed that Schedule draws from the scheduler's random source (WithRand;
// seed it to make the intervals repeatable). As a member of Or, And or
// Except, which Schedule does not see into, the seed is zero. A min of
// zero or less, or a max below min, is reported as an error by Schedule.
func EveryRandom(min, max time.Duration) Trigger { return everyRandom{min: min, max: max} }

// Next returns after plus an interval in [min, max] drawn for after.
func (e everyRandom) Next(after time.Time) time.Time {
	if e.min <= 0 || e.max < e.min {
		return time.Time{}
	}
	span := uint64(e.max - e.min)
	if span == 0 {
		return after.Add(e.min)
	}
	h := mix64(e.seed ^ mix64(uint64(after.UnixNano())))
	return after.Add(e.min + time.Duration(h%(span+1)))
}

// String returns a description such as "every 10s to 20s at random".
func (e everyRandom) String() string {
	return fmt.Sprintf("every %v to %v at random", e.min, e.max)
}

// validate reports a non-positive min or a max below it.
func (e everyRandom) validate() error {
	switch {
	case e.min <= 0:
		return fmt.Errorf("%w: EveryRandom(%v, %v): the minimum must be positive", ErrInvalid, e.min, e.max)
	case e.max < e.min:
		return fmt.Errorf("%w: EveryRandom(%v, %v): the maximum is below the minimum", ErrInvalid, e.min, e.max)
	}
	return nil
}

// seeded returns t with its random source bound to the scheduler's:
// an EveryRandom gets a seed drawn from src; others are returned as they
// are. s.mu must be held, since src is the scheduler's.
func (s *Scheduler) seededLocked(t Trigger) Trigger {
	if e, ok := t.(everyRandom); ok {
		e.seed = s.cfg.rand.Uint64()
		return e
	}
	return t
}

// mix64 is SplitMix64's finaliser: a bijection of uint64 whose outputs
// look independent for nearby inputs.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
