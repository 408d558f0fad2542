package periodic

import (
	"math"
	"math/bits"
	"time"
)

// The closed-form count of a cron expression's activations, for
// countTicks: whole days at a time from the fields' bit sets, zone period
// by zone period as cronFields.next walks them.

// count returns the number of activations in [u, limit), Unix seconds,
// and the last of them; it walks the zone's periods as next does, and
// counts the matching wall times of each period in closed form.
func (f *cronFields) count(u, limit int64, loc *time.Location) (n, last int64) {
	for u < limit {
		p := zonePeriodAt(u, loc)
		prev := p.off
		if !f.hourStar && p.start != math.MinInt64 && u-p.start < 2*secondsPerDay {
			_, o := time.Unix(p.start-1, 0).In(loc).Zone()
			prev = int64(o)
		}
		lo := u + p.off
		if !f.hourStar && u == p.start && prev < p.off {
			// Spring forward: matches in the skipped walls fire once, now,
			// and the first wall after the gap is that same instant.
			if _, ok := f.nextWall(p.start+prev, p.start+p.off); ok {
				n, last, lo = n+1, u, lo+1
			}
		}
		if prev > p.off {
			lo = max(lo, p.start+prev) // fall back: repeated walls do not fire
		}
		if c, w := f.countWalls(lo, min(p.end, limit)+p.off); c > 0 {
			n, last = n+c, w-p.off
		}
		u = p.end
	}
	return n, last
}

// countWalls returns the number of matching wall times in [lo, hi),
// seconds since 1970-01-01 00:00:00 on the wall, and the last of them.
func (f *cronFields) countWalls(lo, hi int64) (n, last int64) {
	if lo >= hi {
		return 0, 0
	}
	d0, d1 := floorDiv(lo, secondsPerDay), floorDiv(hi-1, secondsPerDay)
	s0, s1 := lo-d0*secondsPerDay, hi-d1*secondsPerDay
	if d0 == d1 {
		if !f.dayMatches(d0) {
			return 0, 0
		}
		n = f.secondsBelow(s1) - f.secondsBelow(s0)
		s, _ := f.lastSecond(s1 - 1)
		return n, d0*secondsPerDay + s
	}
	var lastDay, lastSod int64 = math.MinInt64, 0
	if f.dayMatches(d0) {
		if c := secondsPerDay1(f) - f.secondsBelow(s0); c > 0 {
			n, lastDay = c, d0
			lastSod, _ = f.lastSecond(secondsPerDay - 1)
		}
	}
	if days, ld := f.matchingDays(d0+1, d1-1); days > 0 {
		n += days * secondsPerDay1(f)
		lastDay = ld
		lastSod, _ = f.lastSecond(secondsPerDay - 1)
	}
	if f.dayMatches(d1) {
		if s, ok := f.lastSecond(s1 - 1); ok {
			n += f.secondsBelow(s1)
			lastDay, lastSod = d1, s
		}
	}
	return n, lastDay*secondsPerDay + lastSod
}

// secondsPerDay1 returns how many seconds of a matching day match.
func secondsPerDay1(f *cronFields) int64 {
	return int64(bits.OnesCount64(f.hour) * bits.OnesCount64(f.min) * bits.OnesCount64(f.sec))
}

// secondsBelow returns how many matching seconds of a day come before
// second x of it (x in [0, 86400]).
func (f *cronFields) secondsBelow(x int64) int64 {
	h, m, s := int(x/3600), int(x/60%60), int(x%60)
	ns, nm := bits.OnesCount64(f.sec), bits.OnesCount64(f.min)
	n := bits.OnesCount64(f.hour&(1<<h-1)) * nm * ns
	if h < 24 && f.hour>>h&1 != 0 {
		n += bits.OnesCount64(f.min&(1<<m-1)) * ns
		if f.min>>m&1 != 0 {
			n += bits.OnesCount64(f.sec & (1<<s - 1))
		}
	}
	return int64(n)
}

// lastSecond returns the last matching second of a day at or before
// second x of it.
func (f *cronFields) lastSecond(x int64) (int64, bool) {
	h, m, s := int(x/3600), int(x/60%60), int(x%60)
	if f.hour>>h&1 != 0 && f.min>>m&1 != 0 {
		if v, ok := highBit(f.sec, s); ok {
			return int64(h*3600 + m*60 + v), true
		}
	}
	if f.hour>>h&1 != 0 {
		if v, ok := highBit(f.min, m-1); ok {
			s, _ := highBit(f.sec, 59)
			return int64(h*3600 + v*60 + s), true
		}
	}
	if v, ok := highBit(f.hour, h-1); ok {
		m, _ := highBit(f.min, 59)
		s, _ := highBit(f.sec, 59)
		return int64(v*3600 + m*60 + s), true
	}
	return 0, false
}

// highBit returns the highest bit of set at or below i.
func highBit(set uint64, i int) (int, bool) {
	if i < 0 {
		return 0, false
	}
	set &= 2<<i - 1
	return bits.Len64(set) - 1, set != 0
}

// dayMatches reports whether the day, counted from 1970-01-01, matches
// the month and day fields.
func (f *cronFields) dayMatches(day int64) bool {
	y, m, d := civilFromDays(day)
	return f.month>>m&1 != 0 && f.days(y, m)>>d&1 != 0
}

// cycleDays is the length of the Gregorian calendar's cycle: 400 years,
// a whole number of weeks.
const cycleDays = 146097

// matchingDays returns how many days in [d0, d1] match the month and day
// fields, and the last of them. Whole 400-year cycles are counted once.
func (f *cronFields) matchingDays(d0, d1 int64) (n, last int64) {
	if d1 < d0 {
		return 0, 0
	}
	if k := (d1 - d0 + 1) / cycleDays; k > 1 {
		c, _ := f.matchingDaysIn(d0, d0+cycleDays-1)
		rest, lr := f.matchingDaysIn(d0+k*cycleDays, d1)
		if rest > 0 {
			return k*c + rest, lr
		}
		_, lc := f.matchingDaysIn(d0+(k-1)*cycleDays, d0+k*cycleDays-1)
		return k * c, lc
	}
	return f.matchingDaysIn(d0, d1)
}

// matchingDaysIn is matchingDays a month at a time.
func (f *cronFields) matchingDaysIn(d0, d1 int64) (n, last int64) {
	for d0 <= d1 {
		y, m, d := civilFromDays(d0)
		first := d0 - int64(d-1)
		end := min(d1, first+int64(civilDaysIn(y, m))-1)
		if f.month>>m&1 != 0 {
			top := int(end-first) + 1
			set := f.days(y, m) & (2<<top - 1) &^ (1<<d - 1)
			if set != 0 {
				n += int64(bits.OnesCount64(set))
				last = first + int64(bits.Len64(set)-2)
			}
		}
		d0 = end + 1
	}
	return n, last
}
