package periodic

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cronSeeds are the seed corpus of both fuzz targets.
var cronSeeds = []string{
	"* * * * *", "*/15 * * * *", "10-50/5 * * * *", "5/15 * * * *", "0 0,12 1,15 * *",
	"0 9 * * MON-fri", "0 0 * jan,JUL 7", "0 0 ? * 0", "*/20 * * * * *", "30 15 10 * * *",
	"0 0 L * *", "0 0 L-3 * *", "0 0 LW * *", "0 0 15W * *", "0 0 1W,31W * *",
	"0 0 * * 5L", "0 0 * * 1#2", "0 0 * 2 thu#5", "0 0 13 * fri", "0 0 */2 * fri",
	"0 0 29 2 *", "30 2 * * *", "30 1 * * *", "0 * * * *", "*/7 1,2 * * *", "0 0-3 * * *",
	"@yearly", "@monthly", "@weekly", "@daily", "@hourly", "@every 1h30m", "@every 1.5s",
	"CRON_TZ=America/New_York 30 2 * * *", "TZ=Australia/Lord_Howe 15 2 * * *",
	"CRON_TZ=Europe/London @daily", "TZ=Asia/Kolkata */45 * * * * *",
	"0 9 * * sat-sun", "0 9 * * FRI-MON", "0 22-2/2 * * *", "0 0 1 nov-mar *", "0 0 30-2 * *",
	"0 15 10 L-5W * ?", "0 0 L-0W,LW * *",
	"", "61 * * * *", "5-1 * * * *", "*/0 * * * *", "0 0 31 2 *", "@every -1s",
	"CRON_TZ=Mars/Olympus * * * * *", "* * * * 1#6", "1,,2 * * * *",
}

// FuzzCronParse checks that Cron never panics, that its errors wrap
// ErrInvalid, and that what it accepts fires and prints back unchanged.
func FuzzCronParse(f *testing.F) {
	for _, s := range cronSeeds {
		f.Add(s)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		tr, err := Cron(expr)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalid)
			require.Nil(t, tr)
			return
		}
		require.Equal(t, expr, tr.(fmt.Stringer).String())
		next := tr.Next(at)
		if tr.(*cron).loc == nil {
			require.True(t, next.After(at), "%q: %v", expr, next)
		} else {
			require.True(t, next.IsZero() || next.After(at), "%q: %v", expr, next)
		}
	})
}

// FuzzCronNext checks Next against the oracle: the result is zero or
// strictly after the given time, fires by the rules, and nothing fires in
// between (within a window of days).
func FuzzCronNext(f *testing.F) {
	for i, s := range cronSeeds {
		f.Add(s, int64(1772953200+i*7919), uint32(i*1e7), uint8(i))
	}
	changes := []struct {
		unix int64
		zone uint8
	}{ // 2026's clock changes in New York, London and Lord Howe
		{1772953200, 1}, {1793512800, 1}, {1774746000, 2}, {1792890000, 2},
		{1775314800, 3}, {1791041400, 3},
	}
	for _, c := range changes {
		for _, s := range []string{"30 1 * * *", "30 2 * * *", "*/15 * * * *", "0 * * * *",
			"15 2 * * *", "45 1 * * *", "*/20 1,2 * * * *", "0 0-3 * * *"} {
			f.Add(s, c.unix-3*3600, uint32(0), c.zone)
		}
	}
	zones := cronOracleZones(f)
	f.Fuzz(func(t *testing.T, expr string, unix int64, nanos uint32, zone uint8) {
		tr, err := Cron(expr)
		if err != nil {
			return
		}
		c := tr.(*cron)
		// 1970 to 2100, where the zones tested change clocks on the hour.
		unix = floorMod(unix, 130*365*86400)
		after := time.Unix(unix, int64(nanos%1e9)).In(zones[int(zone)%len(zones)])
		switch {
		case c.every > 0:
			checkCronEvery(t, tr, c.every, after)
		case c.loc != nil && !cronOracleKnows(c.loc):
			next := tr.Next(after)
			require.True(t, next.IsZero() || next.After(after))
		case c.f.sec == 1:
			checkCronOracle(t, tr, after, 8*86400)
		default:
			checkCronOracle(t, tr, after, 86400)
		}
	})
}

// cronOracleKnows reports whether the oracle's assumptions hold for loc.
func cronOracleKnows(loc *time.Location) bool {
	for _, name := range cronOracleZoneNames {
		if loc.String() == name {
			return true
		}
	}
	return false
}

func TestCronInvalid(t *testing.T) {
	cases := []struct{ expr, value string }{
		{"", "empty"},
		{"   ", "empty"},
		{"* * * *", "got 4"},
		{"* * * * * * *", "got 7"},
		{"61 * * * *", "61"},
		{"* 24 * * *", "24"},
		{"* * 0 * *", `"0"`},
		{"* * 32 * *", "32"},
		{"* * * 13 *", "13"},
		{"* * * * 8", "8"},
		{"60 * * * * *", "60"},
		{"99999999999 * * * *", "99999999999"},
		{"*/0 * * * *", "*/0"},
		{"*/60 * * * *", "*/60"},
		{"*/x * * * *", "*/x"},
		{"5-61 * * * *", "61"},
		{"* * 30-32 * *", "32"},
		{"1,,2 * * * *", "1,,2"},
		{"1, * * * *", "1,"},
		{"-5 * * * *", "-5"},
		{"1-2-3 * * * *", "1-2-3"},
		{"? * * * *", "?"},
		{"* * * foo *", "foo"},
		{"* * * * funday", "funday"},
		{"* * * * sat-funday", "funday"},
		{"* * * * L", `"L"`},
		{"* * * * 1#6", "1#6"},
		{"* * * * 1#0", "1#0"},
		{"* * * * 8#1", "8#1"},
		{"* * * * 9L", "9L"},
		{"* * L-31 * *", "L-31"},
		{"0 15 10 L-31W * ?", `offset "31" in "L-31W"`},
		{"0 15 10 L-xW * ?", `offset "x" in "L-xW"`},
		{"0 15 10 L-W * ?", `offset "" in "L-W"`},
		{"* * 32W * *", "32W"},
		{"* * W * *", `"W"`},
		{"* * ?,1 * *", "?,1"},
		{"@fortnightly", "@fortnightly"},
		{"@daily 1", "@daily"},
		{"@every", "@every"},
		{"@every 0s", "0s"},
		{"@every -1m", "-1m"},
		{"@every soon", "soon"},
		{"@every 1h 2h", "@every"},
		{"CRON_TZ=Mars/Olympus 0 0 * * *", "Mars/Olympus"},
		{"TZ=../../etc/passwd 0 0 * * *", "../../etc/passwd"},
		{"TZ= 0 0 * * *", "empty time zone"},
		{"CRON_TZ=UTC", "CRON_TZ=UTC"},
		{"0 0 31 2 *", "31"},
		{"0 0 30 2 *", "30"},
		{"0 0 31 4,6,9,11 *", "4,6,9,11"},
		{"0 0 L-29 2 *", "L-29"},
		{"0 0 31W 2 *", "31W"},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			requireCronInvalid(t, tc.expr, tc.value)
		})
	}
}

// requireCronInvalid checks that expr is refused with an error wrapping
// ErrInvalid whose detail (after the quoted expression) names value.
func requireCronInvalid(t *testing.T, expr, value string) {
	t.Helper()
	tr, err := Cron(expr)
	require.Error(t, err)
	require.Nil(t, tr)
	require.True(t, errors.Is(err, ErrInvalid), "%v", err)
	prefix := fmt.Sprintf("%v: cron %q: ", ErrInvalid, expr)
	require.True(t, strings.HasPrefix(err.Error(), prefix), "%v", err)
	require.Contains(t, strings.TrimPrefix(err.Error(), prefix), value)
}
