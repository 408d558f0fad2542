package periodic

import (
	"testing"
	"time"
)

// BenchmarkCronNext measures Next for common expressions, from a time
// that moves forward like a scheduler's ticks through 2026-2030.
func BenchmarkCronNext(b *testing.B) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name, expr string
		loc        *time.Location
	}{
		{"every-minute/UTC", "* * * * *", time.UTC},
		{"quarter-hour/NY", "*/15 * * * *", ny},
		{"daily-0230/NY", "30 2 * * *", ny},
		{"weekdays-9to17/NY", "0 9-17 * * mon-fri", ny},
		{"seconds/UTC", "*/10 * * * * *", time.UTC},
		{"last-friday/UTC", "0 0 * * 5L", time.UTC},
		{"nearest-weekday/NY", "0 8 15W * *", ny},
		{"leap-day/UTC", "0 0 29 2 *", time.UTC},
		{"cron-tz/UTC", "CRON_TZ=America/New_York 0 9 * * *", time.UTC},
		{"every-90m/UTC", "@every 90m", time.UTC},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			tr, err := Cron(bc.expr)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Date(2026, 3, 1, 0, 0, 0, 0, bc.loc)
			end := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
			at := start
			b.ReportAllocs()
			for b.Loop() {
				if at = tr.Next(at); at.Unix() > end {
					at = start
				}
			}
		})
	}
}

// BenchmarkCronParse measures Cron on a typical expression.
func BenchmarkCronParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Cron("0 */15 9-17 * * mon-fri"); err != nil {
			b.Fatal(err)
		}
	}
}
