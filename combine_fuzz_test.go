package periodic

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The oracle of the combinators: a combination is a tree of Every, Cron and
// At leaves under Or, And and Except, decoded from bytes. The oracle lists
// each leaf's activations over a window by repeated Next (Every's from the
// first multiple of d since the Unix epoch) and combines them as sets; the
// skip of Except reads a Cron leaf as the minutes (or seconds) it names.

// comboIntervals and comboCrons are what the leaves are built from.
var (
	comboIntervals = []time.Duration{
		time.Second, 3 * time.Second, 1500 * time.Millisecond, 90 * time.Second, 5 * time.Minute,
		7 * time.Minute, 15 * time.Minute, time.Hour, 90 * time.Minute, 2 * time.Hour, 24 * time.Hour,
	}
	comboCrons = []string{
		"* * * * *", "*/15 * * * *", "*/7 * * * *", "0 * * * *", "* * * * 0,6", "0 9-17 * * 1-5",
		"30 2 * * *", "30 1 * * *", "0 0 * * *", "*/20 * * * * *", "@every 90s", "0 12 * * 5",
		"CRON_TZ=Europe/Berlin 0 9 * * *", "TZ=UTC 0 */6 * * *", "0 0 13 * *", "0 0 * * 1",
	}
	// comboBases are where windows start: a Friday, and the weeks of the
	// 2026 clock changes in New York.
	comboBases = []time.Time{
		time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 6, 5, 0, 0, 0, time.UTC),
		time.Date(2026, 10, 30, 4, 0, 0, 0, time.UTC),
	}
)

// comboWindows are how far after the given time the oracle looks, in
// turn, until it finds an activation: the first in a window is the first
// in the larger ones too.
var comboWindows = []time.Duration{time.Hour, 24 * time.Hour, 3 * 24 * time.Hour}

// comboLimits are lower than Next's, to keep the tests fast: an answer
// found within them is Next's too.
var comboLimits = limits{rounds: 10_000, skips: 20_000, calls: 200_000}

// combo is a node of a combination.
type combo struct {
	op    string // every, cron, at, or, and, except
	d     time.Duration
	expr  string
	times []time.Time
	kids  []*combo
}

// comboBytes reads a fuzzed byte string, then zeros.
type comboBytes struct {
	b []byte
	i int
}

// next returns the next byte, or 0 at the end.
func (r *comboBytes) next() int {
	if r.i >= len(r.b) {
		return 0
	}
	r.i++
	return int(r.b[r.i-1])
}

// decodeCombo builds a combination from r, with At times near base.
func decodeCombo(r *comboBytes, base time.Time, depth int) *combo {
	op := r.next() % 6
	switch {
	case depth == 0:
		op = 3 + op%3 // alone, Every is anchored, not a grid
	case depth >= 3:
		op %= 3
	}
	switch op {
	case 0:
		v := r.next()
		if v%2 == 0 {
			return &combo{op: "every", d: comboIntervals[v/2%len(comboIntervals)]}
		}
		return &combo{op: "every", d: time.Duration(1+(v<<8|r.next())%5400) * time.Second}
	case 1:
		return &combo{op: "cron", expr: comboCrons[r.next()%len(comboCrons)]}
	case 2:
		c := &combo{op: "at"}
		for range 1 + r.next()%4 {
			c.times = append(c.times, base.Add(time.Duration((r.next()<<8|r.next())*7)*time.Second))
		}
		return c
	}
	c := &combo{op: [...]string{"or", "and", "except"}[op-3]}
	n := 2
	if c.op != "except" {
		n += r.next() % 2
	}
	for range n {
		c.kids = append(c.kids, decodeCombo(r, base, depth+1))
	}
	return c
}

// trigger builds the combination's trigger.
func (c *combo) trigger(t testing.TB) Trigger {
	t.Helper()
	switch c.op {
	case "every":
		return Every(c.d)
	case "cron":
		tr, err := Cron(c.expr)
		require.NoError(t, err)
		return tr
	case "at":
		return At(c.times...)
	}
	kids := make([]Trigger, len(c.kids))
	for i, k := range c.kids {
		kids[i] = k.trigger(t)
	}
	switch c.op {
	case "or":
		return Or(kids...)
	case "and":
		return And(kids...)
	}
	return Except(kids[0], kids[1])
}

// set returns the activations in [from, to] as sorted Unix nanoseconds;
// Cron leaves work in the zone loc.
func (c *combo) set(t testing.TB, from, to time.Time, loc *time.Location) []int64 {
	t.Helper()
	switch c.op {
	case "every", "cron", "at":
		return c.leafSet(t, from, to, loc)
	}
	out := c.kids[0].set(t, from, to, loc)
	if c.op == "except" {
		return slices.DeleteFunc(out, func(x int64) bool { return c.kids[1].excludes(t, time.Unix(0, x), loc) })
	}
	for _, k := range c.kids[1:] {
		out = comboMerge(c.op, out, k.set(t, from, to, loc))
	}
	return out
}

// excludes reports whether the combination, as Except's skip, excludes x:
// a Cron leaf other than "@every" when the wall reading of x, cut to the
// minute (five fields) or the second (six), matches its fields; other
// leaves when x is an activation; Or, And and Except by their members.
func (c *combo) excludes(t testing.TB, x time.Time, loc *time.Location) bool {
	t.Helper()
	switch c.op {
	case "cron":
		cr, err := parseCron(c.expr)
		require.NoError(t, err)
		if cr.every > 0 {
			return c.fires(t, x, loc)
		}
		o := newCronOracle(cr, loc)
		w := o.wall(x.Unix())
		fields := strings.Fields(c.expr)
		if strings.Contains(fields[0], "=") {
			fields = fields[1:]
		}
		if strings.HasPrefix(fields[0], "@") || len(fields) == 5 {
			w -= floorMod(w, 60)
		}
		return o.matchWall(w)
	case "or":
		return slices.ContainsFunc(c.kids, func(k *combo) bool { return k.excludes(t, x, loc) })
	case "and":
		return !slices.ContainsFunc(c.kids, func(k *combo) bool { return !k.excludes(t, x, loc) })
	case "except":
		return c.kids[0].excludes(t, x, loc) && !c.kids[1].excludes(t, x, loc)
	}
	return c.fires(t, x, loc)
}

// comboMerge combines two sorted sets by op: their union for "or", their
// intersection for "and".
func comboMerge(op string, a, b []int64) []int64 {
	out := make([]int64, 0, len(a)+len(b))
	for i, j := 0, 0; i < len(a) || j < len(b); {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			if op != "and" {
				out = append(out, a[i])
			}
			i++
		case i == len(a) || b[j] < a[i]:
			if op == "or" {
				out = append(out, b[j])
			}
			j++
		default:
			if op != "except" {
				out = append(out, a[i])
			}
			i, j = i+1, j+1
		}
	}
	return out
}

// leafSet lists a leaf's activations in [from, to] by repeated Next; an
// Every leaf's start from the first multiple of d since the Unix epoch.
func (c *combo) leafSet(t testing.TB, from, to time.Time, loc *time.Location) []int64 {
	t.Helper()
	tr := c.trigger(t)
	x := tr.Next(from.Add(-time.Nanosecond).In(loc))
	n := 64
	if d := int64(c.d); c.op == "every" {
		x = time.Unix(0, (from.UnixNano()+d-1)/d*d)
		n = int(to.Sub(from)/c.d) + 1
	}
	out := make([]int64, 0, n)
	for ; !x.IsZero() && !x.After(to); x = tr.Next(x.In(loc)) {
		out = append(out, x.UnixNano())
	}
	return out
}

// fires reports whether x is an activation of the combination, by the
// definitions: a multiple of d since the Unix epoch for an Every leaf, and
// Next(x - 1ns) = x for the other leaves. It works at any time, where the
// Unix nanoseconds of set would overflow.
func (c *combo) fires(t testing.TB, x time.Time, loc *time.Location) bool {
	t.Helper()
	switch c.op {
	case "every":
		n := new(big.Int).Mul(big.NewInt(x.Unix()), big.NewInt(int64(time.Second)))
		n.Add(n, big.NewInt(int64(x.Nanosecond())))
		return n.Mod(n, big.NewInt(int64(c.d))).Sign() == 0
	case "cron", "at":
		return c.trigger(t).Next(x.Add(-time.Nanosecond).In(loc)).Equal(x)
	case "or":
		return slices.ContainsFunc(c.kids, func(k *combo) bool { return k.fires(t, x, loc) })
	case "and":
		return !slices.ContainsFunc(c.kids, func(k *combo) bool { return !k.fires(t, x, loc) })
	}
	return c.kids[0].fires(t, x, loc) && !c.kids[1].excludes(t, x, loc)
}

// String describes the combination.
func (c *combo) String() string {
	switch c.op {
	case "every":
		return "every(" + c.d.String() + ")"
	case "cron":
		return fmt.Sprintf("cron(%q)", c.expr)
	case "at":
		return fmt.Sprint("at", c.times)
	}
	parts := make([]string, len(c.kids))
	for i, k := range c.kids {
		parts[i] = k.String()
	}
	return c.op + "(" + strings.Join(parts, ", ") + ")"
}

// checkCombo compares the combination's next activation after after,
// under comboLimits, with the oracle: it is zero or after after and,
// unless a bound was reached (then it reports whether the answer differs),
// Next's answer, the first oracle activation in the window if there is
// one, and otherwise zero or an activation past the window.
func checkCombo(t testing.TB, c *combo, after time.Time) (differs bool) {
	t.Helper()
	tr := c.trigger(t)
	got, limited := bounded(tr.(combinator), after, comboLimits)
	msg := fmt.Sprintf("%v.Next(%v) = %v", c, after, got)
	require.True(t, got.IsZero() || got.After(after), msg)
	if !limited {
		require.True(t, got.Equal(tr.Next(after)), "%s: Next gives %v", msg, tr.Next(after))
	}
	if why := comboMismatch(t, c, after, got); why != "" {
		require.True(t, limited, "%s: %s", msg, why)
		return true
	}
	return false
}

// comboMismatch says how got differs from the oracle's Next(after), or
// returns "".
func comboMismatch(t testing.TB, c *combo, after, got time.Time) string {
	t.Helper()
	var end time.Time
	var want []int64
	for _, w := range comboWindows {
		end = after.Add(w)
		if want = c.set(t, after.Add(time.Nanosecond), end, after.Location()); len(want) > 0 {
			break
		}
	}
	switch {
	case len(want) > 0 && !got.Equal(time.Unix(0, want[0])):
		return fmt.Sprintf("want %v", time.Unix(0, want[0]).UTC())
	case len(want) > 0 || got.IsZero():
		return ""
	case !got.After(end):
		return "no activation in the window"
	case !c.fires(t, got, after.Location()):
		return "not an activation"
	}
	return ""
}

// comboAfter picks the instant to ask from: a base, an offset into it of
// up to two days, and the zone.
func comboAfter(t testing.TB, base uint8, off uint32, ny bool) time.Time {
	t.Helper()
	after := comboBases[int(base)%len(comboBases)].Add(time.Duration(off%(2*86400*4)) * time.Second / 4)
	if ny {
		loc, err := time.LoadLocation("America/New_York")
		require.NoError(t, err)
		after = after.In(loc)
	}
	return after
}

// comboRandom is how many random combinations TestCombineOracle checks.
const comboRandom = 250

// TestCombineOracle compares Next with the oracle for random combinations,
// of which few may differ because of a bound.
func TestCombineOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	differ := 0
	for i := range comboRandom {
		b := make([]byte, 24)
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		after := comboAfter(t, uint8(i), r.Uint32(), i%2 == 1)
		c := decodeCombo(&comboBytes{b: b}, after.Truncate(24*time.Hour), 0)
		if checkCombo(t, c, after) {
			differ++
		}
	}
	t.Logf("%d of %d differ", differ, comboRandom)
	require.LessOrEqual(t, differ, 4)
}

// FuzzCombine checks Next against the oracle for fuzzed combinations.
func FuzzCombine(f *testing.F) {
	f.Add([]byte{3, 0, 0, 14, 0, 10}, uint8(0), uint32(0), false)          // or(every 1h, every 7m)
	f.Add([]byte{4, 0, 0, 14, 0, 16}, uint8(0), uint32(1000), true)        // and(every 1h, every 90m)
	f.Add([]byte{5, 0, 12, 1, 4}, uint8(0), uint32(86400*4-7), false)      // except(every 15m, weekend)
	f.Add([]byte{5, 0, 6, 1, 4}, uint8(0), uint32(86400*4-100), true)      // except(every 90s, weekend)
	f.Add([]byte{4, 0, 1, 3, 0, 6}, uint8(2), uint32(86400*4), true)       // and(hourly, every 90s)
	f.Add([]byte{5, 1, 3, 1, 7}, uint8(2), uint32(86400*8-1), true)        // except(hourly, 1:30) at fall back
	f.Add([]byte{3, 0, 1, 6, 2, 1, 7, 0, 9, 1}, uint8(1), uint32(0), true) // or(2:30, at) at spring forward
	f.Add([]byte{4, 3, 1, 12, 1, 0, 5, 0, 3, 2, 1}, uint8(1), uint32(5), false)
	f.Add([]byte("1001B1."), uint8(7), uint32(1149), true) // and(every 30m11s, 13th): year 2387
	f.Fuzz(func(t *testing.T, spec []byte, base uint8, off uint32, ny bool) {
		after := comboAfter(t, base, off, ny)
		checkCombo(t, decodeCombo(&comboBytes{b: spec}, after.Truncate(24*time.Hour), 0), after)
	})
}
