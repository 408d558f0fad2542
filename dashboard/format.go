package dashboard

import (
	"math"
	"strconv"
	"time"
)

// round1 rounds x to one decimal, so the SVG stays small and stable.
func round1(x float64) float64 { return math.Round(x*10) / 10 }

// num formats an SVG coordinate.
func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// clock formats an instant as the time of day, in its own location.
func clock(t time.Time) string { return t.Format("15:04:05") }

// day formats t as the time of day when it falls on now's date, else
// with its date too.
func day(t, now time.Time) string {
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return clock(t)
	}
	return t.Format("Jan 2 15:04:05")
}

// seconds formats d to a tenth of a second: "7s", "0.3s", "2m5s".
func seconds(d time.Duration) string { return d.Round(100 * time.Millisecond).String() }

// relative labels an instant d before now.
func relative(d time.Duration) string {
	if d == 0 {
		return "now"
	}
	return "-" + d.String()
}

// until says how far t is from now: "in 4s", "4s ago".
func until(t, now time.Time) string {
	d := t.Sub(now).Round(time.Second)
	switch {
	case d > 0:
		return "in " + d.String()
	case d < 0:
		return (-d).String() + " ago"
	}
	return "now"
}
