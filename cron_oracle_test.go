package periodic

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cronOracle is a slow reference for Next that shares only the parsed bit
// sets with it. It walks real instants step by step, reads the wall clock
// through the time package, matches each field directly, and applies the
// documented daylight-saving rules as stated:
//   - an expression whose hour field begins with "*" fires at every instant
//     whose wall reading matches;
//   - any other fires at an instant whose wall reading matches and is later
//     than every wall reading of the three hours before (not a repeat), and
//     at an instant where the clock jumped forward over a matching reading.
//
// To stay fast it skips, by halving, the instants whose date and hour (or,
// stepping by seconds, minute) cannot match; this assumes that the clock
// only changes on a wall-clock hour boundary, by at most an hour, as in the
// zones tested.
type cronOracle struct {
	f    *cronFields
	loc  *time.Location
	step int64 // 60 when only second 0 matches, else 1
}

func newCronOracle(c *cron, loc *time.Location) *cronOracle {
	if c.loc != nil {
		loc = c.loc
	}
	o := &cronOracle{f: &c.f, loc: loc, step: 1}
	if c.f.sec == 1 {
		o.step = 60
	}
	return o
}

// wall returns the wall reading of instant x as seconds since 1970-01-01
// 00:00:00 on the wall.
func (o *cronOracle) wall(x int64) int64 {
	_, off := time.Unix(x, 0).In(o.loc).Zone()
	return x + int64(off)
}

func cronBit(set uint64, i int) bool { return i >= 0 && i < 64 && set&(1<<i) != 0 }

// matchWall reports whether a wall reading matches every field.
func (o *cronOracle) matchWall(w int64) bool {
	t := time.Unix(w, 0).UTC()
	_, m, s := t.Clock()
	return cronBit(o.f.sec, s) && cronBit(o.f.min, m) && o.matchHour(t)
}

// matchHour reports whether the date and the hour of t match.
func (o *cronOracle) matchHour(t time.Time) bool {
	y, mon, d := t.Date()
	return cronBit(o.f.hour, t.Hour()) && cronBit(o.f.month, int(mon)) && o.matchDay(y, mon, d)
}

// matchDay applies the day-of-month and day-of-week fields to a date.
func (o *cronOracle) matchDay(y int, mon time.Month, d int) bool {
	f := o.f
	n := time.Date(y, mon+1, 0, 0, 0, 0, 0, time.UTC).Day()
	wd := int(time.Date(y, mon, d, 0, 0, 0, 0, time.UTC).Weekday())
	dom := cronBit(f.dom, d) || cronBit(f.domLast, n-d)
	for k := 1; k <= n; k++ {
		dom = dom || cronBit(f.domNear, k) && cronNearestWeekday(y, mon, k, n) == d
		dom = dom || cronBit(f.domLastNear, n-k) && cronNearestWeekday(y, mon, k, n) == d
	}
	dow := cronBit(f.dow, wd) || cronBit(f.dowNth, 8*wd+(d-1)/7+1) || cronBit(f.dowLast, wd) && d+7 > n
	if f.domStar || f.dowStar {
		return dom && dow
	}
	return dom || dow
}

func cronIsWeekday(y int, mon time.Month, d int) bool {
	wd := time.Date(y, mon, d, 0, 0, 0, 0, time.UTC).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// cronNearestWeekday searches outwards from day k, earlier days first.
func cronNearestWeekday(y int, mon time.Month, k, n int) int {
	for dist := 0; ; dist++ {
		for _, d := range []int{k - dist, k + dist} {
			if d >= 1 && d <= n && cronIsWeekday(y, mon, d) {
				return d
			}
		}
	}
}

// fires applies the rules to the instant whose wall reading is w, given the
// reading one step earlier and the latest reading before it.
func (o *cronOracle) fires(w, prev, latest int64) bool {
	if o.f.hourStar {
		return o.matchWall(w)
	}
	if o.matchWall(w) && w > latest {
		return true
	}
	for g := prev + o.step; g < w; g += o.step {
		if o.matchWall(g) {
			return true // the clock jumped over g
		}
	}
	return false
}

// latestBefore returns the latest wall reading in the three hours before
// x; readings only decrease at the start of a minute.
func (o *cronOracle) latestBefore(x int64) int64 {
	latest := o.wall(x - o.step)
	for y := x - x%60; y > x-3*3600; y -= 60 {
		latest = max(latest, o.wall(y-o.step))
	}
	return latest
}

// firesAt reports whether the rules make the instant x fire.
func (o *cronOracle) firesAt(x int64) bool {
	return o.fires(o.wall(x), o.wall(x-o.step), o.latestBefore(x))
}

// next returns the first instant in (after, until] that fires.
func (o *cronOracle) next(after time.Time, until int64) (int64, bool) {
	x := floorDiv(after.Unix(), o.step)*o.step + o.step
	latest, prev := o.latestBefore(x), o.wall(x-o.step)
	for x <= until {
		w := o.wall(x)
		if jump := o.skip(w); jump > 0 && w-prev == o.step {
			x += jump
			prev = o.wall(x - o.step)
			latest = max(latest, prev)
			continue
		}
		if o.fires(w, prev, latest) {
			return x, true
		}
		latest, prev = max(latest, w), w
		x += o.step
	}
	return 0, false
}

// skip returns how far to jump from wall reading w: half the way to the
// next hour (or minute) when the date and hour (or minute) cannot match.
func (o *cronOracle) skip(w int64) int64 {
	t := time.Unix(w, 0).UTC()
	unit := int64(0)
	switch {
	case !o.matchHour(t):
		unit = 3600
	case o.step == 1 && !cronBit(o.f.min, t.Minute()):
		unit = 60
	default:
		return 0
	}
	return (unit - floorMod(w, unit)) / 2 / o.step * o.step
}

// checkCronOracle compares Next with the oracle over (after, after+window].
func checkCronOracle(t testing.TB, tr Trigger, after time.Time, window int64) {
	t.Helper()
	c := tr.(*cron)
	o := newCronOracle(c, after.Location())
	got := c.Next(after)
	msg := fmt.Sprintf("%q after %s in %s", c.expr, after.Format(cronLayout), o.loc)
	want, ok := o.next(after, after.Unix()+window)
	if ok {
		require.Equal(t, time.Unix(want, 0).In(o.loc).Format(cronLayout), got.Format(cronLayout), msg)
		require.Equal(t, o.loc, got.Location(), msg)
		return
	}
	if !got.IsZero() {
		require.Greater(t, got.Unix(), after.Unix()+window, msg)
		require.Zero(t, got.Nanosecond(), msg)
		require.True(t, o.firesAt(got.Unix()), "%s: Next gave %s", msg, got.Format(cronLayout))
	}
}

var cronOracleZoneNames = []string{
	"UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"}

func cronOracleZones(t testing.TB) []*time.Location {
	t.Helper()
	locs := make([]*time.Location, len(cronOracleZoneNames))
	for i, name := range cronOracleZoneNames {
		locs[i] = cronZone(t, name)
	}
	return locs
}

// randomCronAfter returns an instant in 2020-2030, sometimes aligned to a
// minute or an hour, sometimes with nanoseconds.
func randomCronAfter(r *rand.Rand, loc *time.Location) time.Time {
	x := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix() + r.Int64N(10*365*86400)
	switch r.IntN(3) {
	case 0:
		x -= floorMod(x, 60)
	case 1:
		x -= floorMod(x, 3600)
	}
	return time.Unix(x, int64(r.IntN(2)*r.IntN(1e9))).In(loc)
}

// randomCronAfterChange returns an instant at most four hours before, or two
// hours after, a clock change of loc.
func randomCronAfterChange(r *rand.Rand, loc *time.Location) time.Time {
	at := randomCronAfter(r, loc)
	_, end := at.ZoneBounds()
	d := time.Duration(r.Int64N(int64(6*time.Hour))) - 4*time.Hour
	if r.IntN(2) == 0 {
		d = d.Truncate(time.Minute)
	}
	return end.Add(d).In(loc)
}

func TestCronOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	zones := cronOracleZones(t)
	runs := 2000
	if testing.Short() {
		runs = 200
	}
	compared := 0
	for i := range runs {
		expr, loc := randomCronExpr(r), zones[r.IntN(len(zones))]
		after := randomCronAfter(r, loc)
		if i%2 == 0 { // close before a clock change, with the hours it touches
			expr, loc = randomDSTExpr(r), zones[1+r.IntN(3)]
			after = randomCronAfterChange(r, loc)
		}
		tr, err := Cron(expr)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalid)
			continue
		}
		window := int64(40 * 86400)
		if tr.(*cron).f.sec != 1 {
			window = 3 * 86400
		}
		checkCronOracle(t, tr, after, window)
		compared++
	}
	require.Greater(t, compared, runs/2)
}

// TestCronEveryOracle checks "@every" against big-integer arithmetic.
func TestCronEveryOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	zones := cronOracleZones(t)
	for range 2000 {
		d := time.Duration(r.Int64N(int64(48 * time.Hour)))
		if r.IntN(2) == 0 {
			d = d.Truncate(time.Second)
		}
		d = max(d, 1)
		tr := mustCron(t, "@every "+d.String())
		after := time.Unix(r.Int64N(1<<40)-1<<39, r.Int64N(1e9)).In(zones[r.IntN(len(zones))])
		checkCronEvery(t, tr, d, after)
	}
}

// checkCronEvery compares Next with the first multiple of d since the epoch
// after after, computed with big integers.
func checkCronEvery(t testing.TB, tr Trigger, d time.Duration, after time.Time) {
	t.Helper()
	ns := new(big.Int).Mul(big.NewInt(after.Unix()), big.NewInt(1e9))
	ns.Add(ns, big.NewInt(int64(after.Nanosecond())))
	bd := big.NewInt(int64(d))
	k := new(big.Int).Div(ns, bd) // Euclidean, so floor for bd > 0
	want := new(big.Int).Mul(k.Add(k, big.NewInt(1)), bd)
	sec, nsec := new(big.Int).DivMod(want, big.NewInt(1e9), new(big.Int))
	got := tr.Next(after)
	require.True(t, time.Unix(sec.Int64(), nsec.Int64()).Equal(got), "every %v after %v: %v", d, after, got)
}

// randomCronExpr returns a random five- or six-field expression, sometimes
// a descriptor, biased towards the hours where clocks change.
func randomCronExpr(r *rand.Rand) string {
	if r.IntN(20) == 0 {
		return []string{"@yearly", "@monthly", "@weekly", "@daily", "@hourly"}[r.IntN(5)]
	}
	fields := []string{
		randomCronField(r, 0, 59, 4, 4),
		randomCronField(r, 0, 23, 3, 2),
		randomCronDayField(r, 1, 31, []string{"L", "L-2", "LW", "L-3W", "15W", "1W", "31W", "30W"}),
		randomCronField(r, 1, 12, 8, 1),
		randomCronDayField(r, 0, 7, []string{"5L", "0L", "1#1", "2#5", "sat#2", "FRI", "mon-fri"}),
	}
	if r.IntN(4) == 0 {
		fields = append([]string{randomCronField(r, 0, 59, 2, 2)}, fields...)
	}
	return strings.Join(fields, " ")
}

// randomDSTExpr returns an expression for the hours that clocks change,
// mostly on every day.
func randomDSTExpr(r *rand.Rand) string {
	hours := []string{"1", "2", "1,2", "0-3", "1-2/1", "2,3", "*", "*/2", "1/2", "0,2"}
	fields := []string{randomCronField(r, 0, 59, 4, 3), hours[r.IntN(len(hours))], "*", "*", "*"}
	if r.IntN(4) == 0 {
		fields[2] = randomCronDayField(r, 1, 31, []string{"L", "LW", "1W"})
		fields[4] = randomCronDayField(r, 0, 7, []string{"0L", "0#1", "0#2", "sun"})
	}
	if r.IntN(3) == 0 {
		fields = append([]string{randomCronField(r, 0, 59, 3, 2)}, fields...)
	}
	return strings.Join(fields, " ")
}

// randomCronField returns "*" with odds 1/star, "*/S" with odds 1/step, else a
// list of up to three items.
func randomCronField(r *rand.Rand, lo, hi, star, step int) string {
	switch {
	case r.IntN(star) == 0:
		return "*"
	case r.IntN(step) == 0:
		return "*/" + strconv.Itoa(1+r.IntN(min(hi, 20)))
	}
	items := make([]string, 1+r.IntN(3))
	for i := range items {
		items[i] = randomCronItem(r, lo, hi)
	}
	return strings.Join(items, ",")
}

func randomCronItem(r *rand.Rand, lo, hi int) string {
	a := lo + r.IntN(hi-lo+1)
	if hi == 23 && r.IntN(2) == 0 {
		a = r.IntN(4) // the hours of clock changes
	}
	b := a + r.IntN(hi-a+1)
	s := strconv.Itoa(1 + r.IntN(10))
	switch r.IntN(5) {
	case 0:
		return fmt.Sprintf("%d-%d", a, b)
	case 1:
		return fmt.Sprintf("%d-%d/%s", a, b, s)
	case 2:
		return fmt.Sprintf("%d/%s", a, s)
	}
	return strconv.Itoa(a)
}

func randomCronDayField(r *rand.Rand, lo, hi int, specials []string) string {
	switch r.IntN(10) {
	case 0, 1, 2, 3, 4:
		return "*"
	case 5:
		return "?"
	case 6:
		return specials[r.IntN(len(specials))]
	case 7:
		return specials[r.IntN(len(specials))] + "," + randomCronItem(r, lo, hi)
	}
	return randomCronField(r, lo, hi, 8, 6)
}
