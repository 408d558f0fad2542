package periodic

import (
	"math/bits"
	"testing"

	"github.com/stretchr/testify/require"
)

// cronValues returns the values whose bits are set in set, in order.
func cronValues(set uint64) []int {
	var vs []int
	for ; set != 0; set &= set - 1 {
		vs = append(vs, bits.TrailingZeros64(set))
	}
	return vs
}

// TestCronRanges checks how each field reads its ranges: "sun" at the end
// of a day-of-week range is 7, as in cronie, and a range whose end is
// below its start wraps around the end of the field, as in Quartz,
// croniter and gronx, steps included.
func TestCronRanges(t *testing.T) {
	field := map[string]func(f *cronFields) uint64{
		"second": func(f *cronFields) uint64 { return f.sec },
		"minute": func(f *cronFields) uint64 { return f.min },
		"hour":   func(f *cronFields) uint64 { return f.hour },
		"dom":    func(f *cronFields) uint64 { return f.dom },
		"month":  func(f *cronFields) uint64 { return f.month },
		"dow":    func(f *cronFields) uint64 { return f.dow },
	}
	for _, tc := range []struct {
		expr, field string
		want        []int
	}{
		{"* * * * sat-sun", "dow", []int{0, 6}},
		{"* * * * SAT-SUN", "dow", []int{0, 6}},
		{"* * * * mon-sun", "dow", []int{0, 1, 2, 3, 4, 5, 6}},
		{"* * * * 6-7", "dow", []int{0, 6}},
		{"* * * * 1-7", "dow", []int{0, 1, 2, 3, 4, 5, 6}},
		{"* * * * sun", "dow", []int{0}},
		{"* * * * sun-sun", "dow", []int{0}},
		{"* * * * sun-tue", "dow", []int{0, 1, 2}},
		{"* * * * sun-sat", "dow", []int{0, 1, 2, 3, 4, 5, 6}},
		{"* * * * mon-sun/2", "dow", []int{0, 1, 3, 5}},
		{"* * * * FRI-MON", "dow", []int{0, 1, 5, 6}},
		{"* * * * 5-1", "dow", []int{0, 1, 5, 6}},
		{"* * * * 6-0", "dow", []int{0, 6}},
		{"* * * * 7-2", "dow", []int{0, 1, 2}},
		{"* * * * fri-tue/2", "dow", []int{0, 2, 5}},
		{"* 22-2 * * *", "hour", []int{0, 1, 2, 22, 23}},
		{"* 22-2/2 * * *", "hour", []int{0, 2, 22}},
		{"* 23-0 * * *", "hour", []int{0, 23}},
		{"* * * Nov-Mar *", "month", []int{1, 2, 3, 11, 12}},
		{"* * * 11-3/2 *", "month", []int{1, 3, 11}},
		{"* * * dec-jan *", "month", []int{1, 12}},
		{"50-10/5 * * * *", "minute", []int{0, 5, 10, 50, 55}},
		{"58-1 * * * * *", "second", []int{0, 1, 58, 59}},
		{"* * 30-2 * *", "dom", []int{1, 2, 30, 31}},
		{"* * 31-1 * *", "dom", []int{1, 31}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			c, err := parseCron(tc.expr)
			require.NoError(t, err)
			require.Equal(t, tc.want, cronValues(field[tc.field](&c.f)))
		})
	}
}

// TestCronWrapNexts checks wrap-around ranges and Quartz's L-nW through
// Next.
func TestCronWrapNexts(t *testing.T) {
	runCronCases(t, []cronCase{
		// 2026-01-02 is a Friday.
		{expr: "0 9 * * FRI-MON", after: "2026-01-01 12:00:00", want: []string{
			"2026-01-02 09:00:00 +0000", "2026-01-03 09:00:00 +0000", "2026-01-04 09:00:00 +0000",
			"2026-01-05 09:00:00 +0000", "2026-01-09 09:00:00 +0000"}},
		{expr: "0 22-2 * * *", after: "2026-01-01 12:00:00", want: []string{
			"2026-01-01 22:00:00 +0000", "2026-01-01 23:00:00 +0000", "2026-01-02 00:00:00 +0000",
			"2026-01-02 01:00:00 +0000", "2026-01-02 02:00:00 +0000", "2026-01-02 22:00:00 +0000"}},
		{expr: "0 0 1 Nov-Mar *", after: "2026-01-15 00:00:00", want: []string{
			"2026-02-01 00:00:00 +0000", "2026-03-01 00:00:00 +0000", "2026-11-01 00:00:00 +0000",
			"2026-12-01 00:00:00 +0000", "2027-01-01 00:00:00 +0000"}},
		{expr: "0 8 * * sat-sun", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-03 08:00:00 +0000", "2026-01-04 08:00:00 +0000", "2026-01-10 08:00:00 +0000"}},
		// Quartz: the weekday nearest to the 5th day before the last. April
		// 25th, 2026 is a Saturday, so the Friday before.
		{expr: "0 15 10 L-5W * ?", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-26 10:15:00 +0000", "2026-02-23 10:15:00 +0000", "2026-03-26 10:15:00 +0000",
			"2026-04-24 10:15:00 +0000", "2026-05-26 10:15:00 +0000"}},
		{expr: "0 0 L-0W * *", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-30 00:00:00 +0000", "2026-02-27 00:00:00 +0000", "2026-03-31 00:00:00 +0000"}},
	})
}

// TestMustCron checks that MustCron returns Cron's trigger, and panics with
// Cron's error for a bad expression.
func TestMustCron(t *testing.T) {
	tr := MustCron("0 3 * * *")
	require.Equal(t, "0 3 * * *", tr.(*cron).String())
	_, want := Cron("0 3 * * funday")
	require.PanicsWithError(t, want.Error(), func() { MustCron("0 3 * * funday") })
}
