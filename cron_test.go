package periodic

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cronLayout formats instants with their offset, so a comparison of two
// formatted times checks both the instant and the zone.
const cronLayout = "2006-01-02 15:04:05.999 -0700"

// cronCase is a run of Next calls: from after (wall time in zone), each
// call starts at the previous result.
type cronCase struct {
	expr, zone, after string
	want              []string
}

func cronZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func mustCron(t testing.TB, expr string) Trigger {
	t.Helper()
	tr, err := Cron(expr)
	require.NoError(t, err, expr)
	return tr
}

// cronWallTime parses "2006-01-02 15:04:05" as a wall time in loc.
func cronWallTime(t testing.TB, s string, loc *time.Location) time.Time {
	t.Helper()
	ts, err := time.ParseInLocation(time.DateTime, s, loc)
	require.NoError(t, err)
	return ts
}

func runCronCases(t *testing.T, cases []cronCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.zone+" "+tc.expr+" "+tc.after, func(t *testing.T) {
			requireCronNexts(t, tc)
		})
	}
}

func requireCronNexts(t *testing.T, tc cronCase) {
	t.Helper()
	zone := tc.zone
	if zone == "" {
		zone = "UTC"
	}
	tr := mustCron(t, tc.expr)
	at := cronWallTime(t, tc.after, cronZone(t, zone))
	for i, want := range tc.want {
		next := tr.Next(at)
		require.Equal(t, want, next.Format(cronLayout), "call %d after %s", i, at.Format(cronLayout))
		at = next
	}
}

func TestCronFields(t *testing.T) {
	runCronCases(t, []cronCase{
		{expr: "* * * * *", after: "2026-01-01 00:00:30", want: []string{
			"2026-01-01 00:01:00 +0000", "2026-01-01 00:02:00 +0000"}},
		{expr: "*/15 * * * *", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-01 00:15:00 +0000", "2026-01-01 00:30:00 +0000", "2026-01-01 00:45:00 +0000",
			"2026-01-01 01:00:00 +0000"}},
		{expr: "10-50/20 * * * *", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-01 00:10:00 +0000", "2026-01-01 00:30:00 +0000", "2026-01-01 00:50:00 +0000",
			"2026-01-01 01:10:00 +0000"}},
		{expr: "5/15 * * * *", after: "2026-01-01 00:50:00", want: []string{
			"2026-01-01 01:05:00 +0000", "2026-01-01 01:20:00 +0000"}},
		{expr: "0 0,12 1,15 * *", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-01 12:00:00 +0000", "2026-01-15 00:00:00 +0000", "2026-01-15 12:00:00 +0000",
			"2026-02-01 00:00:00 +0000"}},
		{expr: "0 12 * jan,JUL *", after: "2026-01-31 13:00:00", want: []string{
			"2026-07-01 12:00:00 +0000", "2026-07-02 12:00:00 +0000"}},
		{expr: "0 12 1 Feb-apr/2 *", after: "2026-01-31 13:00:00", want: []string{
			"2026-02-01 12:00:00 +0000", "2026-04-01 12:00:00 +0000", "2027-02-01 12:00:00 +0000"}},
		{expr: "0 9 * * MON-fri", after: "2026-01-02 10:00:00", want: []string{
			"2026-01-05 09:00:00 +0000", "2026-01-06 09:00:00 +0000"}},
		{expr: "0 0 * * 7", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-04 00:00:00 +0000", "2026-01-11 00:00:00 +0000"}},
		{expr: "0 0 * * 5-7", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-02 00:00:00 +0000", "2026-01-03 00:00:00 +0000", "2026-01-04 00:00:00 +0000",
			"2026-01-09 00:00:00 +0000"}},
		{expr: "0 0 ? * sun", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-04 00:00:00 +0000"}},
		{expr: "0 0 1 * ?", after: "2026-01-01 00:00:00", want: []string{
			"2026-02-01 00:00:00 +0000"}},
		{expr: "0 0 * * */3", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-03 00:00:00 +0000", "2026-01-04 00:00:00 +0000", "2026-01-07 00:00:00 +0000"}},
		{expr: "*/20 * * * * *", after: "2026-01-01 00:00:05", want: []string{
			"2026-01-01 00:00:20 +0000", "2026-01-01 00:00:40 +0000", "2026-01-01 00:01:00 +0000"}},
		{expr: "30 15 10 * * *", after: "2026-01-01 10:15:30", want: []string{
			"2026-01-02 10:15:30 +0000"}},
		{expr: "0 0 29 2 *", after: "2026-01-01 00:00:00", want: []string{
			"2028-02-29 00:00:00 +0000", "2032-02-29 00:00:00 +0000"}},
		{expr: "0 0 29 2 *", after: "2096-03-01 00:00:00", want: []string{
			"2104-02-29 00:00:00 +0000"}},
	})
}

func TestCronSpecials(t *testing.T) {
	runCronCases(t, []cronCase{
		{expr: "0 0 L * *", after: "2026-01-15 00:00:00", want: []string{
			"2026-01-31 00:00:00 +0000", "2026-02-28 00:00:00 +0000", "2026-03-31 00:00:00 +0000",
			"2026-04-30 00:00:00 +0000"}},
		{expr: "0 0 l * *", after: "2028-02-01 00:00:00", want: []string{
			"2028-02-29 00:00:00 +0000"}},
		{expr: "0 0 L-3 * *", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-28 00:00:00 +0000", "2026-02-25 00:00:00 +0000", "2026-03-28 00:00:00 +0000"}},
		{expr: "0 0 LW * *", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-30 00:00:00 +0000", "2026-02-27 00:00:00 +0000", "2026-03-31 00:00:00 +0000"}},
		{expr: "0 0 LW 5 *", after: "2026-01-01 00:00:00", want: []string{
			"2026-05-29 00:00:00 +0000"}},
		{expr: "0 0 15W * *", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-15 00:00:00 +0000", "2026-02-16 00:00:00 +0000", "2026-03-16 00:00:00 +0000"}},
		{expr: "0 0 15W 8 *", after: "2026-01-01 00:00:00", want: []string{
			"2026-08-14 00:00:00 +0000"}},
		{expr: "0 0 1W 8 *", after: "2026-01-01 00:00:00", want: []string{
			"2026-08-03 00:00:00 +0000"}},
		{expr: "0 0 31W * *", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-30 00:00:00 +0000", "2026-03-31 00:00:00 +0000", "2026-05-29 00:00:00 +0000"}},
		{expr: "0 0 1,15,L * *", after: "2026-02-01 00:00:00", want: []string{
			"2026-02-15 00:00:00 +0000", "2026-02-28 00:00:00 +0000", "2026-03-01 00:00:00 +0000"}},
		{expr: "0 0 * * 5L", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-30 00:00:00 +0000", "2026-02-27 00:00:00 +0000", "2026-03-27 00:00:00 +0000"}},
		{expr: "0 0 * * SUNL", after: "2026-05-01 00:00:00", want: []string{
			"2026-05-31 00:00:00 +0000"}},
		{expr: "0 0 * * 1#2", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-12 00:00:00 +0000", "2026-02-09 00:00:00 +0000", "2026-03-09 00:00:00 +0000"}},
		{expr: "0 0 * * 4#5", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-29 00:00:00 +0000", "2026-04-30 00:00:00 +0000"}},
		{expr: "0 0 * 2 thu#5", after: "2026-01-01 00:00:00", want: []string{
			"2052-02-29 00:00:00 +0000"}},
		{expr: "0 0 * * 1#1,5L", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-05 00:00:00 +0000", "2026-01-30 00:00:00 +0000", "2026-02-02 00:00:00 +0000"}},
	})
}

func TestCronDayOr(t *testing.T) {
	runCronCases(t, []cronCase{
		// Both restricted: either field.
		{expr: "0 0 13 * fri", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-02 00:00:00 +0000", "2026-01-09 00:00:00 +0000", "2026-01-13 00:00:00 +0000",
			"2026-01-16 00:00:00 +0000"}},
		{expr: "0 0 L * 1#1", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-05 00:00:00 +0000", "2026-01-31 00:00:00 +0000", "2026-02-02 00:00:00 +0000"}},
		// A field beginning with "*" or "?": both fields.
		{expr: "0 0 */2 * fri", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-09 00:00:00 +0000", "2026-01-23 00:00:00 +0000", "2026-02-13 00:00:00 +0000"}},
		{expr: "0 0 1-10 * */2", after: "2025-12-31 12:00:00", want: []string{
			"2026-01-01 00:00:00 +0000", "2026-01-03 00:00:00 +0000", "2026-01-04 00:00:00 +0000",
			"2026-01-06 00:00:00 +0000"}},
		{expr: "0 0 ? * 1", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-05 00:00:00 +0000"}},
		{expr: "0 0 1 * *", after: "2026-01-01 00:00:00", want: []string{
			"2026-02-01 00:00:00 +0000"}},
	})
}

func TestCronDescriptors(t *testing.T) {
	runCronCases(t, []cronCase{
		{expr: "@yearly", after: "2026-05-05 10:00:00", want: []string{
			"2027-01-01 00:00:00 +0000"}},
		{expr: "@annually", after: "2026-05-05 10:00:00", want: []string{
			"2027-01-01 00:00:00 +0000"}},
		{expr: "@monthly", after: "2026-05-05 10:00:00", want: []string{
			"2026-06-01 00:00:00 +0000"}},
		{expr: "@weekly", after: "2026-01-01 10:00:00", want: []string{
			"2026-01-04 00:00:00 +0000"}},
		{expr: "@daily", after: "2026-05-05 10:00:00", want: []string{"2026-05-06 00:00:00 +0000"}},
		{expr: "@Midnight", after: "2026-05-05 10:00:00", want: []string{
			"2026-05-06 00:00:00 +0000"}},
		{expr: "@hourly", after: "2026-05-05 10:00:00", want: []string{
			"2026-05-05 11:00:00 +0000"}},
		{expr: "@every 1h", after: "2026-01-01 10:17:00", want: []string{
			"2026-01-01 11:00:00 +0000", "2026-01-01 12:00:00 +0000"}},
		{expr: "@every 90m", after: "2026-01-01 10:17:00", want: []string{
			"2026-01-01 10:30:00 +0000", "2026-01-01 12:00:00 +0000"}},
		{expr: "@every 1.5s", after: "2026-01-01 10:17:00", want: []string{
			"2026-01-01 10:17:01.5 +0000", "2026-01-01 10:17:03 +0000"}},
		{expr: "@every 1h", zone: "Asia/Kolkata", after: "2026-01-01 10:17:00", want: []string{
			"2026-01-01 10:30:00 +0530", "2026-01-01 11:30:00 +0530"}},
		{expr: "@every 1h", zone: "America/New_York", after: "1960-01-01 10:17:00", want: []string{
			"1960-01-01 11:00:00 -0500"}},
		{expr: "CRON_TZ=Asia/Kolkata @every 24h", after: "2026-01-01 10:17:00", want: []string{
			"2026-01-02 05:30:00 +0530"}},
	})
}

func TestCronZonePrefix(t *testing.T) {
	runCronCases(t, []cronCase{
		{expr: "CRON_TZ=Asia/Tokyo 0 9 * * *", after: "2025-12-31 12:00:00", want: []string{
			"2026-01-01 09:00:00 +0900", "2026-01-02 09:00:00 +0900"}},
		{expr: "TZ=America/New_York 30 2 * * *", zone: "Asia/Tokyo", after: "2026-03-08 12:00:00", want: []string{
			"2026-03-08 03:00:00 -0400"}},
		{expr: "CRON_TZ=Europe/London @daily", after: "2026-06-01 12:00:00", want: []string{
			"2026-06-02 00:00:00 +0100"}},
		// Without a prefix, Next works in the zone of after.
		{expr: "0 9 * * *", zone: "Asia/Kolkata", after: "2026-01-01 00:00:00", want: []string{
			"2026-01-01 09:00:00 +0530"}},
		// Local mean time before standard zones (-4:56:02 in New York).
		{expr: "0 0 * * *", zone: "America/New_York", after: "1800-01-01 12:00:00", want: []string{
			"1800-01-02 00:00:00 -0456"}},
	})
}

func TestCronStrictlyAfter(t *testing.T) {
	tr := mustCron(t, "*/10 * * * * *")
	at := time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC)
	require.True(t, tr.Next(at).Equal(at.Add(10*time.Second)))
	require.True(t, tr.Next(at.Add(-time.Nanosecond)).Equal(at))
	require.True(t, tr.Next(at.Add(time.Nanosecond)).Equal(at.Add(10*time.Second)))

	every := mustCron(t, "@every 10s")
	require.True(t, every.Next(at).Equal(at.Add(10*time.Second)))
	require.True(t, every.Next(at.Add(-time.Nanosecond)).Equal(at))
}

func TestCronEdgesOfTime(t *testing.T) {
	require.Equal(t, "0002-01-01 00:00:00 +0000",
		mustCron(t, "@yearly").Next(time.Time{}).Format(cronLayout))
	// Beyond the span Next works in, cron fields give up.
	require.True(t, mustCron(t, "* * * * *").Next(time.Unix(1<<62, 0)).IsZero())
	require.True(t, mustCron(t, "* * * * *").Next(time.Unix(-1<<62, 0)).IsZero())
	// At the end of representable time, nothing is after.
	end := time.Unix(math.MaxInt64-62135596800, 999999999)
	for _, expr := range []string{"* * * * *", "@every 1h", "@every 1ns"} {
		require.True(t, mustCron(t, expr).Next(end).IsZero(), expr)
	}
	for _, at := range []time.Time{time.Unix(1<<62, 0), time.Unix(-1<<62, 0), {}} {
		next := mustCron(t, "@every 7h").Next(at)
		require.True(t, next.After(at), "%v", at)
		require.Zero(t, floorMod(next.Unix(), 7*3600), "%v", next)
		require.Zero(t, next.Nanosecond())
	}
}

func TestCronString(t *testing.T) {
	for _, expr := range []string{"*/5 * * * *", "CRON_TZ=UTC  @every 1m", "@daily"} {
		tr := mustCron(t, expr)
		require.Equal(t, expr, tr.(fmt.Stringer).String())
	}
}

func TestCronDST(t *testing.T) {
	const ny, london, lh = "America/New_York", "Europe/London", "Australia/Lord_Howe"
	runCronCases(t, []cronCase{
		// Spring forward: a fixed hour in the gap fires once, as the clock jumps.
		{expr: "30 2 * * *", zone: ny, after: "2026-03-07 12:00:00", want: []string{
			"2026-03-08 03:00:00 -0400", "2026-03-09 02:30:00 -0400"}},
		{expr: "0 0-3 * * *", zone: ny, after: "2026-03-07 23:30:00", want: []string{
			"2026-03-08 00:00:00 -0500", "2026-03-08 01:00:00 -0500", "2026-03-08 03:00:00 -0400",
			"2026-03-09 00:00:00 -0400"}},
		{expr: "0 0 2 * * *", zone: ny, after: "2026-03-08 01:59:59", want: []string{
			"2026-03-08 03:00:00 -0400"}},
		// ... but a "*" hour follows real time and skips the missing walls.
		{expr: "30 * * * *", zone: ny, after: "2026-03-08 01:00:00", want: []string{
			"2026-03-08 01:30:00 -0500", "2026-03-08 03:30:00 -0400"}},
		{expr: "*/30 * * * *", zone: ny, after: "2026-03-08 01:00:00", want: []string{
			"2026-03-08 01:30:00 -0500", "2026-03-08 03:00:00 -0400"}},
		// Fall back: a fixed hour fires at the first occurrence only.
		{expr: "30 1 * * *", zone: ny, after: "2026-10-31 12:00:00", want: []string{
			"2026-11-01 01:30:00 -0400", "2026-11-02 01:30:00 -0500"}},
		{expr: "0 0-3 * * *", zone: ny, after: "2026-10-31 23:30:00", want: []string{
			"2026-11-01 00:00:00 -0400", "2026-11-01 01:00:00 -0400", "2026-11-01 02:00:00 -0500",
			"2026-11-01 03:00:00 -0500"}},
		// ... and a "*" hour runs through the repeated hour.
		{expr: "*/30 * * * *", zone: ny, after: "2026-11-01 00:00:00", want: []string{
			"2026-11-01 00:30:00 -0400", "2026-11-01 01:00:00 -0400", "2026-11-01 01:30:00 -0400",
			"2026-11-01 01:00:00 -0500", "2026-11-01 01:30:00 -0500", "2026-11-01 02:00:00 -0500"}},
		{expr: "CRON_TZ=America/New_York 30 2 * * *", after: "2026-03-08 00:00:00", want: []string{
			"2026-03-08 03:00:00 -0400"}},

		{expr: "30 1 * * *", zone: london, after: "2026-03-28 12:00:00", want: []string{
			"2026-03-29 02:00:00 +0100", "2026-03-30 01:30:00 +0100"}},
		{expr: "30 1 * * *", zone: london, after: "2026-10-24 12:00:00", want: []string{
			"2026-10-25 01:30:00 +0100", "2026-10-26 01:30:00 +0000"}},
		{expr: "@daily", zone: london, after: "2026-10-24 12:00:00", want: []string{
			"2026-10-25 00:00:00 +0100", "2026-10-26 00:00:00 +0000"}},

		// Lord Howe moves its clock by 30 minutes: 02:00 -> 02:30 in October.
		{expr: "0 2 * * *", zone: lh, after: "2026-10-03 12:00:00", want: []string{
			"2026-10-04 02:30:00 +1100", "2026-10-05 02:00:00 +1100"}},
		{expr: "15 2 * * *", zone: lh, after: "2026-10-03 12:00:00", want: []string{
			"2026-10-04 02:30:00 +1100"}},
		{expr: "45 2 * * *", zone: lh, after: "2026-10-03 12:00:00", want: []string{
			"2026-10-04 02:45:00 +1100"}},
		{expr: "*/15 * * * *", zone: lh, after: "2026-10-04 01:20:00", want: []string{
			"2026-10-04 01:30:00 +1030", "2026-10-04 01:45:00 +1030", "2026-10-04 02:30:00 +1100"}},
		// ... and 02:00 -> 01:30 in April.
		{expr: "45 1 * * *", zone: lh, after: "2026-04-04 12:00:00", want: []string{
			"2026-04-05 01:45:00 +1100", "2026-04-06 01:45:00 +1030"}},
		{expr: "0 2 * * *", zone: lh, after: "2026-04-04 12:00:00", want: []string{
			"2026-04-05 02:00:00 +1030"}},
		{expr: "*/15 * * * *", zone: lh, after: "2026-04-05 01:00:00", want: []string{
			"2026-04-05 01:15:00 +1100", "2026-04-05 01:30:00 +1100", "2026-04-05 01:45:00 +1100",
			"2026-04-05 01:30:00 +1030", "2026-04-05 01:45:00 +1030", "2026-04-05 02:00:00 +1030"}},
	})
}

func TestCronDSTRunsPerDay(t *testing.T) {
	cases := []struct {
		expr, zone, day string
		runs            int
	}{
		{"0 * * * *", "America/New_York", "2026-03-08", 23},
		{"0 * * * *", "America/New_York", "2026-11-01", 25},
		{"@hourly", "America/New_York", "2026-11-01", 25},
		{"*/15 * * * *", "America/New_York", "2026-11-01", 100},
		{"*/15 * * * *", "America/New_York", "2026-03-08", 92},
		{"30 1 * * *", "America/New_York", "2026-11-01", 1},
		{"30 2 * * *", "America/New_York", "2026-03-08", 1},
		{"* 2 * * *", "America/New_York", "2026-03-08", 1},
		{"* 1 * * *", "America/New_York", "2026-11-01", 60},
		{"0 * * * *", "Europe/London", "2026-03-29", 23},
		{"0 * * * *", "Europe/London", "2026-10-25", 25},
		{"0 * * * *", "Australia/Lord_Howe", "2026-10-04", 23},
		{"30 * * * *", "Australia/Lord_Howe", "2026-10-04", 24},
		{"0 * * * *", "Australia/Lord_Howe", "2026-04-05", 24},
		{"30 * * * *", "Australia/Lord_Howe", "2026-04-05", 25},
		{"*/15 * * * *", "Australia/Lord_Howe", "2026-04-05", 98},
		{"0 * * * *", "Asia/Kolkata", "2026-03-08", 24},
	}
	for _, tc := range cases {
		t.Run(tc.zone+" "+tc.expr+" "+tc.day, func(t *testing.T) {
			require.Equal(t, tc.runs, cronRunsPerDay(t, tc.expr, tc.zone, tc.day))
		})
	}
}

// cronRunsPerDay counts the activations during one wall-clock day.
func cronRunsPerDay(t *testing.T, expr, zone, day string) int {
	t.Helper()
	loc := cronZone(t, zone)
	tr := mustCron(t, expr)
	start := cronWallTime(t, day+" 00:00:00", loc)
	end := start.AddDate(0, 0, 1)
	n := 0
	for at := tr.Next(start.Add(-time.Nanosecond)); at.Before(end); at = tr.Next(at) {
		require.Equal(t, loc, at.Location())
		n++
	}
	return n
}

// TestCronRealTimeSteps checks that "*/15 * * * *" fires every 15 minutes of
// real time for a whole year, through every clock change.
func TestCronRealTimeSteps(t *testing.T) {
	tr := mustCron(t, "*/15 * * * *")
	for _, zone := range []string{"America/New_York", "Europe/London", "Australia/Lord_Howe"} {
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, cronZone(t, zone))
		for range 4 * 24 * 365 {
			next := tr.Next(at)
			require.Equal(t, 15*time.Minute, next.Sub(at), "%s after %s", zone, at.Format(cronLayout))
			at = next
		}
	}
}

// TestCronLeapYearEnd crosses the end of a leap year past the last
// transition listed in the zone files, where Go's zone bounds stop short.
func TestCronLeapYearEnd(t *testing.T) {
	runCronCases(t, []cronCase{
		{expr: "0 0 * 2 thu#5", zone: "Europe/London", after: "2026-03-09 20:23:43", want: []string{
			"2052-02-29 00:00:00 +0000"}},
		{expr: "0 12 1 1 *", zone: "America/New_York", after: "2040-12-30 00:00:00", want: []string{
			"2041-01-01 12:00:00 -0500"}},
		{expr: "0 0 31 12 *", zone: "Australia/Lord_Howe", after: "2040-12-30 00:00:00", want: []string{
			"2040-12-31 00:00:00 +1100", "2041-12-31 00:00:00 +1100"}},
	})
}
