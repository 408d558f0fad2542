package periodic

import (
	"fmt"
	"math"
	"math/bits"
	"time"
)

// Cron parses a cron expression and returns a trigger that fires at the
// times it describes. Errors wrap ErrInvalid and name the field and the
// value at fault. The trigger is immutable and safe to use from several
// goroutines; its String method returns expr.
//
// # Fields
//
// Five fields, or six with seconds first, separated by spaces:
//
//	field         values                 specials
//	second        0-59 (optional)
//	minute        0-59
//	hour          0-23
//	day-of-month  1-31                   ?  L  L-N  LW  L-NW  NW
//	month         1-12 or jan-dec
//	day-of-week   0-7 or sun-sat         ?  NL  N#K
//
// Each field is a comma-separated list of items. An item is "*" (every
// value), a value "N", a range "N-M", or either with a step: "*/S" (every
// S-th value from the first), "N-M/S", and "N/S" (from N to the end of the
// field). Names are case-insensitive and may appear in ranges ("mon-fri").
// In day-of-week, 0 and 7 are both Sunday; "*" and "N/S" stop at 6, and
// "sun" at the end of a range is 7, as cronie reads it ("sat-sun",
// "mon-sun"). A range whose end is below its start wraps around the end
// of the field, as in Quartz, croniter and gronx: "22-2" hours are 22:00
// to 02:00, "fri-mon" is Friday to Monday, "nov-mar" November to March,
// and a step counts on across the wrap ("22-2/2" is 22, 0 and 2); in
// day-of-month, "30-2" wraps after 31. "?" is the same as "*" in the two
// day fields.
//
// The specials: "L" is the last day of the month, "L-N" the N-th day
// before it (N 0-30), "LW" the last weekday (Monday to Friday) of the
// month, "L-NW" the weekday nearest to the N-th day before the last, as
// in Quartz ("0 15 10 L-5W * ?"), and "NW" the weekday nearest to day N.
// A nearest weekday never crosses into another month (a Saturday 1st
// becomes Monday the 3rd; a Sunday on the last day becomes the Friday
// before). In day-of-week, "NL" is the last weekday N of
// the month ("5L", "friL": the last Friday) and "N#K" is the K-th weekday N
// (K 1-5; "1#2": the second Monday). Specials may be mixed with other items
// in a list ("1,15,L").
//
// Day of month and day of week combine as in Vixie cron: when either field
// begins with "*" or "?" (this includes steps such as "*/2"), a day must
// match both fields; otherwise, when both are restricted, a day matching
// either field is enough. So "0 0 13 * fri" runs on every 13th and every
// Friday, "0 0 */2 * fri" on the Fridays that are odd days of the month, and
// "0 0 1 * *" on the 1st. An expression whose day fields can never match
// in its months, such as "0 0 30 2 *", is an error.
//
// # Descriptors
//
// "@yearly" (or "@annually") is "0 0 1 1 *", "@monthly" is "0 0 1 * *",
// "@weekly" is "0 0 * * 0", "@daily" (or "@midnight") is "0 0 * * *", and
// "@hourly" is "0 * * * *". "@every D" takes a positive duration in
// time.ParseDuration syntax, sub-second ones included, and fires at every
// multiple of D since the Unix epoch (1970-01-01 00:00:00 UTC), so that
// processes started at different times agree on the ticks; D does not
// follow the wall clock, and "@every 24h" fires at 00:00 UTC.
//
// # Time zones
//
// An expression may begin with "CRON_TZ=Area/City " or "TZ=Area/City ",
// which fixes the zone (loaded with time.LoadLocation; an unknown zone is
// an error). Otherwise Next works in the zone of the time it is given, which
// the scheduler takes from WithLocation. Next returns its times in that
// zone. Zones are read from the system's zoneinfo database; a binary that
// runs where there is none (a scratch container, some Windows hosts) must
// embed it by importing time/tzdata, which adds about 450 KB.
//
// # Daylight saving time
//
// Fields are matched against the wall clock of the zone. When the clock
// jumps, an expression whose hour field begins with "*" (such as
// "0 * * * *", "*/15 * * * *", "@hourly" or "0 */2 * * *") follows real
// time: it fires at every instant whose wall clock matches, so an hourly
// job runs 23 times on a day that loses an hour and 25 times on a day that
// gains one, "*/15 * * * *" fires every 15 minutes of real time through
// both changes, and wall times that do not exist are skipped. Every other
// expression (a fixed hour list, such as "30 2 * * *" or "0 9-17 * * *",
// or a descriptor other than "@hourly" and "@every") fires at each
// matching wall time at most once:
//   - when the clock springs forward, the wall times it skips that match
//     fire once, at the instant the clock jumps (the first instant after
//     the gap): "30 2 * * *" in America/New_York fires at 03:00 EDT on
//     2026-03-08, and "0 2 * * *" in Australia/Lord_Howe at 02:30 on
//     2026-10-04;
//   - when the clock falls back, the wall times it shows a second time (from
//     the new offset up to the old one after the change) do not fire again:
//     "30 1 * * *" fires at 01:30 EDT on 2026-11-01 and not at 01:30 EST.
//
// Next returns the zero time when nothing matches within 400 years after
// the given time (the Gregorian calendar repeats every 400 years, so that
// only happens near the end of representable time or when every match of
// a "*"-hour expression falls into a gap).
func Cron(expr string) (Trigger, error) {
	c, err := parseCron(expr)
	if err != nil {
		return nil, fmt.Errorf("%w: cron %q: %v", ErrInvalid, expr, err)
	}
	return c, nil
}

// MustCron is Cron for expressions fixed in the program, such as
// package-level schedules, like regexp.MustCompile: it panics with Cron's
// error if expr does not parse. Use Cron for expressions that come from
// configuration or users.
//
//	var nightly = periodic.MustCron("CRON_TZ=Europe/Paris 0 3 * * *")
func MustCron(expr string) Trigger {
	t, err := Cron(expr)
	if err != nil {
		panic(err)
	}
	return t
}

// cron is the trigger returned by Cron.
type cron struct {
	expr  string
	loc   *time.Location // nil: the zone of the time given to Next
	every time.Duration  // > 0 for "@every"
	unit  time.Duration  // the finest field: a minute, or a second with six fields; 0 for "@every"
	f     cronFields
}

const (
	secondsPerDay = 24 * 60 * 60
	// cronSpan bounds a search: the calendar repeats every 400 years.
	cronSpan = 401 * 366 * secondsPerDay
	// cronMaxUnix bounds the instants Next works with (about ±35 million
	// years), so that its arithmetic never overflows.
	cronMaxUnix = 1 << 50
)

// String returns the expression given to Cron.
func (c *cron) String() string { return c.expr }

// Next returns the first activation strictly after the given time, in the
// expression's zone or, without one, in the zone of after. It returns the
// zero time when there is none within 400 years.
func (c *cron) Next(after time.Time) time.Time {
	loc := c.loc
	if loc == nil {
		loc = after.Location()
	}
	var next time.Time
	if c.every > 0 {
		next = nextEvery(after, c.every)
	} else if u := after.Unix() + 1; u > -cronMaxUnix && u < cronMaxUnix {
		if r, ok := c.f.next(u, u+cronSpan, loc); ok {
			next = time.Unix(r, 0)
		}
	}
	if !next.After(after) {
		return time.Time{}
	}
	return next.In(loc)
}

// nextEvery returns the first multiple of d since the Unix epoch that is
// after t.
func nextEvery(t time.Time, d time.Duration) time.Time {
	ud := uint64(d)
	sec := t.Unix() % int64(d)
	if sec < 0 {
		sec += int64(d)
	}
	hi, lo := bits.Mul64(uint64(sec), uint64(time.Second)%ud)
	_, rem := bits.Div64(hi, lo, ud) // hi < ud, as both factors are < ud
	rem = (rem + uint64(t.Nanosecond())%ud) % ud
	return t.Add(time.Duration(ud - rem))
}

// zonePeriod is a span [start, end) of Unix seconds during which a zone's
// offset stays the same.
type zonePeriod struct {
	off, start, end int64
}

// zonePeriodAt returns the zone period containing the instant u. Past a
// zone's last listed transition, Go's bounds are exact only near clock
// changes and are otherwise the turn of a year; at the end of a leap year
// the end can even be u itself, and is then found by a search.
func zonePeriodAt(u int64, loc *time.Location) zonePeriod {
	t := time.Unix(u, 0).In(loc)
	_, off := t.Zone()
	p := zonePeriod{off: int64(off), start: math.MinInt64, end: math.MaxInt64}
	start, end := t.ZoneBounds()
	if !start.IsZero() {
		p.start = start.Unix()
	}
	if !end.IsZero() {
		p.end = end.Unix()
	}
	if p.end <= u {
		p.end = nextOffsetChange(u, u+secondsPerDay, p.off, loc)
	}
	return p
}

// nextOffsetChange returns the first instant in (lo, hi] whose offset is
// not off, or hi, assuming at most one change.
func nextOffsetChange(lo, hi, off int64, loc *time.Location) int64 {
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if _, o := time.Unix(mid, 0).In(loc).Zone(); int64(o) == off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// next returns the first activation at or after the instant u and before
// limit, walking the zone's periods; within one, wall time is u + offset.
func (f *cronFields) next(u, limit int64, loc *time.Location) (int64, bool) {
	for u < limit {
		p := zonePeriodAt(u, loc)
		prev := p.off
		if !f.hourStar && p.start != math.MinInt64 && u-p.start < 2*secondsPerDay {
			_, o := time.Unix(p.start-1, 0).In(loc).Zone()
			prev = int64(o)
		}
		if !f.hourStar && u == p.start && prev < p.off {
			// Spring forward: matches in the skipped walls fire now.
			if _, ok := f.nextWall(p.start+prev, p.start+p.off); ok {
				return u, true
			}
		}
		lo := u + p.off
		if prev > p.off {
			lo = max(lo, p.start+prev) // fall back: skip repeated walls
		}
		if w, ok := f.nextWall(lo, min(p.end, limit)+p.off); ok {
			return w - p.off, true
		}
		u = p.end
	}
	return 0, false
}

// wallCursor is a wall-clock reading; the fields may run one past their
// range (day 32, hour 24), which wall still maps to the right instant.
type wallCursor struct {
	y               int64
	m, d, h, min, s int
}

// cursorAt returns the wall-clock reading of w seconds since 1970-01-01
// 00:00:00 on the wall.
func cursorAt(w int64) wallCursor {
	day := floorDiv(w, secondsPerDay)
	sod := int(w - day*secondsPerDay)
	y, m, d := civilFromDays(day)
	return wallCursor{y, m, d, sod / 3600, sod / 60 % 60, sod % 60}
}

// wall returns c in seconds since 1970-01-01 00:00:00 on the wall.
func (c *wallCursor) wall() int64 {
	return daysFromCivil(c.y, c.m, c.d)*secondsPerDay + int64(c.h*3600+c.min*60+c.s)
}

// nextWall returns the first matching wall time in [lo, hi).
func (f *cronFields) nextWall(lo, hi int64) (int64, bool) {
	c := cursorAt(lo)
	for {
		w := c.wall()
		if w >= hi {
			return 0, false
		}
		if !f.advance(&c) {
			return w, true
		}
	}
}

// advance moves c to the next candidate when one of its fields does not
// match, starting with the month, and reports whether it moved c.
func (f *cronFields) advance(c *wallCursor) bool {
	if n, ok := nextSetBit(f.month, c.m); !ok {
		*c = wallCursor{y: c.y + 1, m: 1, d: 1}
		return true
	} else if n != c.m {
		*c = wallCursor{y: c.y, m: n, d: 1}
		return true
	}
	if n, ok := nextSetBit(f.days(c.y, c.m), c.d); !ok {
		*c = wallCursor{y: c.y, m: c.m + 1, d: 1}
		if c.m > 12 {
			c.y, c.m = c.y+1, 1
		}
		return true
	} else if n != c.d {
		*c = wallCursor{y: c.y, m: c.m, d: n}
		return true
	}
	return advanceField(f.hour, &c.h, &c.d, &c.min, &c.s) ||
		advanceField(f.min, &c.min, &c.h, &c.s) ||
		advanceField(f.sec, &c.s, &c.min)
}

// advanceField moves *v to the next value in set, or, when there is none,
// carries into *parent; either way it zeroes the lower fields.
func advanceField(set uint64, v, parent *int, lower ...*int) bool {
	n, ok := nextSetBit(set, *v)
	if ok && n == *v {
		return false
	}
	if ok {
		*v = n
	} else {
		*v = 0
		*parent++
	}
	for _, l := range lower {
		*l = 0
	}
	return true
}

// nextSetBit returns the lowest bit of set at or above i.
func nextSetBit(set uint64, i int) (int, bool) {
	set = set >> i << i
	return bits.TrailingZeros64(set), set != 0
}

// days returns the matching days of a month as bits 1-31.
func (f *cronFields) days(y int64, m int) uint64 {
	return f.daysFor(civilDaysIn(y, m), civilWeekday(daysFromCivil(y, m, 1)))
}

// daysFor returns the matching days of a month of n days whose 1st is
// weekday wd1.
func (f *cronFields) daysFor(n, wd1 int) uint64 {
	all := uint64(1)<<(n+1) - 2
	dom := f.dom
	for set := f.domLast; set != 0; set &= set - 1 {
		if d := n - bits.TrailingZeros64(set); d >= 1 {
			dom |= 1 << d
		}
	}
	for set := f.domNear; set != 0; set &= set - 1 {
		if d := bits.TrailingZeros64(set); d <= n {
			dom |= 1 << nearestWeekday(d, n, wd1)
		}
	}
	for set := f.domLastNear; set != 0; set &= set - 1 {
		if d := n - bits.TrailingZeros64(set); d >= 1 {
			dom |= 1 << nearestWeekday(d, n, wd1)
		}
	}
	dow := f.dowDays[wd1]
	wdn := (wd1 + n - 1) % 7
	for set := f.dowLast; set != 0; set &= set - 1 {
		dow |= 1 << (n - (wdn-bits.TrailingZeros64(set)+7)%7)
	}
	if f.domStar || f.dowStar {
		return dom & dow & all
	}
	return (dom | dow) & all
}

// nearestWeekday returns the Monday-to-Friday day nearest to day d of a
// month of n days whose 1st is weekday wd1, within the month.
func nearestWeekday(d, n, wd1 int) int {
	switch (wd1 + d - 1) % 7 {
	case 6: // Saturday
		if d == 1 {
			return d + 2
		}
		return d - 1
	case 0: // Sunday
		if d == n {
			return d - 2
		}
		return d + 1
	}
	return d
}
