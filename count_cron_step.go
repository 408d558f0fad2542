package periodic

import (
	"math"
	"time"
)

// cronStep finds a cron member's next activation in a walk without
// searching from scratch, as its Next does, when the answer lies on the
// wall day already being walked, in the zone period already found: the
// next matching second, minute or hour of that day, from the fields' bit
// sets. Anything else (a new day, a clock change, a period's first
// second, "@every") is left to Next. Within one zone period the wall
// clock is the instant plus the offset, so the answer is Next's (the
// fall-back rule included: repeated walls are skipped as Next skips
// them).
type cronStep struct {
	loc    *time.Location // the zone of zp; nil before the first step
	zp     zonePeriod
	prev   int64 // the offset before zp.start, as Next reads it
	day    int64 // the wall day last looked at, and whether it matches
	dayOK  bool
	daySet bool
}

// next returns c.Next(after).
func (st *cronStep) next(c *cron, after time.Time) time.Time {
	loc := c.loc
	if loc == nil {
		loc = after.Location()
	}
	u := after.Unix() + 1
	if c.every > 0 || u <= -cronMaxUnix || u >= cronMaxUnix {
		return c.Next(after)
	}
	if st.loc != loc || u <= st.zp.start || u >= st.zp.end {
		st.period(c, u, loc)
		if u <= st.zp.start { // spring forward fires at a period's start: Next's case
			return c.Next(after)
		}
	}
	lo := u + st.zp.off
	if st.prev > st.zp.off { // fall back: the repeated walls do not fire
		lo = max(lo, st.zp.start+st.prev)
	}
	day := floorDiv(lo, secondsPerDay)
	if !st.daySet || st.day != day {
		st.day, st.dayOK, st.daySet = day, c.f.dayMatches(day), true
	}
	if !st.dayOK {
		return c.Next(after)
	}
	w, ok := c.f.nextInDay(int(lo - day*secondsPerDay))
	if !ok {
		return c.Next(after)
	}
	at := day*secondsPerDay + int64(w) - st.zp.off
	if at >= st.zp.end {
		return c.Next(after)
	}
	return time.Unix(at, 0).In(loc)
}

// period finds the zone period of u in loc, and the offset before it as
// Next reads it: with a wildcard hour, Next fires repeated walls again.
func (st *cronStep) period(c *cron, u int64, loc *time.Location) {
	st.loc, st.zp = loc, zonePeriodAt(u, loc)
	st.prev = st.zp.off
	if !c.f.hourStar && st.zp.start != math.MinInt64 {
		_, o := time.Unix(st.zp.start-1, 0).In(loc).Zone()
		st.prev = int64(o)
	}
}

// nextInDay returns the first matching second of a matching day at or
// after sod, a second of that day, or false when the day has none left.
func (f *cronFields) nextInDay(sod int) (int, bool) {
	h, m, s := sod/3600, sod/60%60, sod%60
	if f.hour>>h&1 != 0 {
		if f.min>>m&1 != 0 {
			if s2, ok := nextSetBit(f.sec, s); ok && s2 < 60 {
				return h*3600 + m*60 + s2, true
			}
		}
		if m2, ok := nextSetBit(f.min, m+1); ok && m2 < 60 {
			return h*3600 + m2*60 + lowestBit(f.sec), true
		}
	}
	if h2, ok := nextSetBit(f.hour, h+1); ok && h2 < 24 {
		return h2*3600 + lowestBit(f.min)*60 + lowestBit(f.sec), true
	}
	return 0, false
}

// lowestBit returns the lowest bit set in a field's non-empty set.
func lowestBit(set uint64) int {
	n, _ := nextSetBit(set, 0)
	return n
}

// names is c.names(x) for a walk, which asks it of ticks in order: the
// zone period and whether the wall day matches are kept from the last
// question, as next keeps them. Within a zone period the wall clock is
// the instant plus the offset, as x.Zone gives it.
func (st *cronStep) names(c *cron, x time.Time) bool {
	loc := c.loc
	if loc == nil {
		loc = x.Location()
	}
	u := x.Unix()
	if st.loc != loc || u < st.zp.start || u >= st.zp.end {
		st.loc, st.zp = loc, zonePeriodAt(u, loc)
	}
	w := u + st.zp.off
	day := floorDiv(w, secondsPerDay)
	if !st.daySet || st.day != day {
		st.day, st.dayOK, st.daySet = day, c.f.dayMatches(day), true
	}
	sod := w - day*secondsPerDay
	h, m, s := sod/3600, sod/60%60, sod%60
	if c.unit == time.Minute {
		s = 0
	}
	return st.dayOK && c.f.hour>>h&1 != 0 && c.f.min>>m&1 != 0 && c.f.sec>>s&1 != 0
}
