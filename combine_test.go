package periodic_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// combineCase is a combined trigger, where to start, and its next
// activations in RFC 3339 in the zone of after ("never" for the zero time).
type combineCase struct {
	name  string
	t     periodic.Trigger
	after time.Time
	want  []string
}

// stuckTrigger breaks the Trigger contract: its Next is the time given.
type stuckTrigger struct{}

// Next returns after, which is not after after.
func (stuckTrigger) Next(after time.Time) time.Time { return after }

// runCombineCases checks each case's successive Next.
func runCombineCases(t *testing.T, cases []combineCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			x := c.after
			for range c.want {
				x = c.t.Next(x)
				if x.IsZero() {
					got = append(got, "never")
					break
				}
				got = append(got, x.In(c.after.Location()).Format(time.RFC3339Nano))
			}
			require.Equal(t, c.want, got)
		})
	}
}

// combineCron returns Cron(expr), failing t on an error.
func combineCron(t *testing.T, expr string) periodic.Trigger {
	t.Helper()
	tr, err := periodic.Cron(expr)
	require.NoError(t, err)
	return tr
}

// combineZone returns America/New_York.
func combineZone(t *testing.T) *time.Location {
	t.Helper()
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	return ny
}

// utc returns the instant of an RFC 3339 string.
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	x, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return x
}

// TestOrNext checks Or by exact instants, in UTC and New York.
func TestOrNext(t *testing.T) {
	ny := combineZone(t)
	a, b, c := utc(t, "2026-01-01T09:00:00Z"), utc(t, "2026-01-01T10:00:00Z"), utc(t, "2026-01-01T11:00:00Z")
	runCombineCases(t, []combineCase{
		{"Every on the epoch grid, shared instant once", periodic.Or(periodic.Every(time.Hour), periodic.Every(7*time.Minute)),
			utc(t, "2026-01-01T06:55:00Z"), []string{"2026-01-01T07:00:00Z", "2026-01-01T07:07:00Z", "2026-01-01T07:14:00Z", "2026-01-01T07:21:00Z"}},
		{"At lists, duplicates once, ends when all end", periodic.Or(periodic.At(a, c), periodic.At(b, c)),
			utc(t, "2026-01-01T00:00:00Z"), []string{"2026-01-01T09:00:00Z", "2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z", "never"}},
		{"weekday mornings or weekend noons in New York",
			periodic.Or(combineCron(t, "0 9 * * 1-5"), combineCron(t, "0 12 * * 0,6")),
			time.Date(2026, 1, 2, 10, 0, 0, 0, ny), []string{"2026-01-03T12:00:00-05:00", "2026-01-04T12:00:00-05:00", "2026-01-05T09:00:00-05:00"}},
		{"CRON_TZ member in its zone, zone-less in the zone of after",
			periodic.Or(combineCron(t, "CRON_TZ=Europe/Berlin 0 9 * * *"), combineCron(t, "0 9 * * *")),
			time.Date(2026, 1, 1, 0, 0, 0, 0, ny), []string{"2026-01-01T03:00:00-05:00", "2026-01-01T09:00:00-05:00", "2026-01-02T03:00:00-05:00"}},
		{"fall back in New York: the hour grid runs twice at 1:00, cron at 1:30 once",
			periodic.Or(combineCron(t, "30 1 * * *"), periodic.Every(time.Hour)),
			time.Date(2026, 11, 1, 0, 40, 0, 0, ny), []string{"2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00"}},
		{"nested", periodic.Or(periodic.Or(periodic.At(b)), periodic.At(a)),
			utc(t, "2026-01-01T00:00:00Z"), []string{"2026-01-01T09:00:00Z", "2026-01-01T10:00:00Z", "never"}},
		{"a member breaking the contract is ignored", periodic.Or(stuckTrigger{}, periodic.At(a)),
			utc(t, "2026-01-01T00:00:00Z"), []string{"2026-01-01T09:00:00Z", "never"}},
	})
}

// TestAndNext checks And by exact instants, in UTC and New York.
func TestAndNext(t *testing.T) {
	ny := combineZone(t)
	a, b, c, d := utc(t, "2026-01-01T09:00:00Z"), utc(t, "2026-01-01T10:00:00Z"), utc(t, "2026-01-01T11:00:00Z"), utc(t, "2026-01-01T12:00:00Z")
	runCombineCases(t, []combineCase{
		{"1h and 90m meet every 3h since the epoch", periodic.And(periodic.Every(time.Hour), periodic.Every(90*time.Minute)),
			utc(t, "2026-01-01T00:00:00Z"), []string{"2026-01-01T03:00:00Z", "2026-01-01T06:00:00Z", "2026-01-01T09:00:00Z"}},
		{"1.5s and 1s meet every 3s", periodic.And(periodic.Every(1500*time.Millisecond), periodic.Every(time.Second)),
			utc(t, "2026-01-01T00:00:00.5Z"), []string{"2026-01-01T00:00:03Z", "2026-01-01T00:00:06Z"}},
		{"Friday the 13th", periodic.And(combineCron(t, "0 0 13 * *"), combineCron(t, "0 0 * * 5")),
			utc(t, "2026-01-01T00:00:00Z"), []string{"2026-02-13T00:00:00Z", "2026-03-13T00:00:00Z", "2026-11-13T00:00:00Z"}},
		{"leap days on a Monday", periodic.And(combineCron(t, "0 0 29 2 *"), combineCron(t, "0 0 * * 1")),
			utc(t, "2026-01-01T00:00:00Z"), []string{"2044-02-29T00:00:00Z", "2072-02-29T00:00:00Z"}},
		{"quarter hours of New York mornings", periodic.And(periodic.Every(15*time.Minute), combineCron(t, "* 9-10 * * 1-5")),
			time.Date(2026, 1, 2, 10, 40, 0, 0, ny), []string{"2026-01-02T10:45:00-05:00", "2026-01-05T09:00:00-05:00", "2026-01-05T09:15:00-05:00"}},
		{"spring forward: 2:30 runs at 3:00 EDT, on the half-hour grid",
			periodic.And(combineCron(t, "30 2 * * *"), periodic.Every(30*time.Minute)),
			time.Date(2026, 3, 7, 12, 0, 0, 0, ny), []string{"2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"}},
		{"At members meet where both list an instant", periodic.And(periodic.At(a, b, c), periodic.At(b, c, d)),
			utc(t, "2026-01-01T00:00:00Z"), []string{"2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z", "never"}},
		{"never meet: bounded, then no more ticks", periodic.And(combineCron(t, "0 0 * * 1"), combineCron(t, "0 0 * * 2")),
			utc(t, "2026-01-01T00:00:00Z"), []string{"never"}},
		{"a member breaking the contract ends it", periodic.And(stuckTrigger{}, periodic.Every(time.Hour)),
			utc(t, "2026-01-01T00:00:00Z"), []string{"never"}},
		{"one member", periodic.And(periodic.At(a)), utc(t, "2026-01-01T00:00:00Z"), []string{"2026-01-01T09:00:00Z", "never"}},
	})
}

// TestExceptNext checks Except, whose cron skips stand for whole units of
// time (Quartz's exclusion calendars), in UTC and New York.
func TestExceptNext(t *testing.T) {
	ny := combineZone(t)
	a, b, c := utc(t, "2026-01-01T09:00:00Z"), utc(t, "2026-01-01T10:00:00Z"), utc(t, "2026-01-01T11:00:00Z")
	weekend := combineCron(t, "* * * * 0,6")
	runCombineCases(t, []combineCase{
		{"every 15 minutes except weekends", periodic.Except(periodic.Every(15*time.Minute), weekend),
			utc(t, "2026-01-02T23:30:00Z"), []string{"2026-01-02T23:45:00Z", "2026-01-05T00:00:00Z", "2026-01-05T00:15:00Z"}},
		{"New York weekends", periodic.Except(periodic.Every(15*time.Minute), weekend),
			time.Date(2026, 1, 2, 23, 30, 0, 0, ny), []string{"2026-01-02T23:45:00-05:00", "2026-01-05T00:00:00-05:00", "2026-01-05T00:15:00-05:00"}},
		{"a cron skip is whole minutes: 90 s ticks at :30 go too", periodic.Except(periodic.Every(90*time.Second), weekend),
			utc(t, "2026-01-02T23:58:00Z"), []string{"2026-01-02T23:58:30Z", "2026-01-05T00:00:00Z", "2026-01-05T00:01:30Z"}},
		{"no 12:01:30 on Saturday", periodic.Except(periodic.Every(90*time.Second), weekend),
			utc(t, "2026-01-03T12:00:00Z"), []string{"2026-01-05T00:00:00Z"}},
		{"six fields: whole seconds", periodic.Except(periodic.Every(500*time.Millisecond), combineCron(t, "*/2 * * * * *")),
			utc(t, "2026-01-01T00:00:00Z"), []string{"2026-01-01T00:00:01Z", "2026-01-01T00:00:01.5Z", "2026-01-01T00:00:03Z"}},
		{"a descriptor is whole minutes", periodic.Except(periodic.Every(15*time.Second), combineCron(t, "@hourly")),
			utc(t, "2026-01-01T00:59:30Z"), []string{"2026-01-01T00:59:45Z", "2026-01-01T01:01:00Z"}},
		{"@every skips exact instants", periodic.Except(periodic.Every(30*time.Second), combineCron(t, "@every 1m")),
			utc(t, "2026-01-01T00:00:00Z"), []string{"2026-01-01T00:00:30Z", "2026-01-01T00:01:30Z"}},
		{"a zone prefix names its own wall clock", periodic.Except(periodic.Every(time.Hour), combineCron(t, "CRON_TZ=America/New_York * 0-8 * * *")),
			utc(t, "2026-01-01T03:30:00Z"), []string{"2026-01-01T04:00:00Z", "2026-01-01T14:00:00Z"}},
		{"fall back: a cron skip reads the wall clock, so both 1:00s go", periodic.Except(combineCron(t, "0 * * * *"), combineCron(t, "* 1 * * *")),
			time.Date(2026, 11, 1, 0, 30, 0, 0, ny), []string{"2026-11-01T02:00:00-05:00", "2026-11-01T03:00:00-05:00"}},
		{"Or as skip: each member by its rule", periodic.Except(periodic.Every(30*time.Second),
			periodic.Or(combineCron(t, "0 12 * * *"), periodic.At(utc(t, "2026-01-01T12:02:00Z")))),
			utc(t, "2026-01-01T11:59:30Z"), []string{"2026-01-01T12:01:00Z", "2026-01-01T12:01:30Z", "2026-01-01T12:02:30Z"}},
		{"And as skip: minutes of both", periodic.Except(periodic.Every(20*time.Second),
			periodic.And(combineCron(t, "0-1 12 * * *"), combineCron(t, "1-2 12 * * *"))),
			utc(t, "2026-01-01T12:00:30Z"), []string{"2026-01-01T12:00:40Z", "2026-01-01T12:02:00Z"}},
		{"a holiday", periodic.Except(combineCron(t, "0 9 * * 1-5"), periodic.At(time.Date(2026, 1, 19, 9, 0, 0, 0, ny))),
			time.Date(2026, 1, 16, 10, 0, 0, 0, ny), []string{"2026-01-20T09:00:00-05:00", "2026-01-21T09:00:00-05:00"}},
		{"Every skip on the epoch grid", periodic.Except(periodic.Every(time.Hour), periodic.Every(3*time.Hour)),
			utc(t, "2026-01-01T00:00:00Z"), []string{"2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z", "2026-01-01T04:00:00Z"}},
		{"At without At, then the end", periodic.Except(periodic.At(a, b, c), periodic.At(b)),
			utc(t, "2026-01-01T00:00:00Z"), []string{"2026-01-01T09:00:00Z", "2026-01-01T11:00:00Z", "never"}},
		{"skip excludes everything: bounded, then no more ticks", periodic.Except(periodic.Every(time.Hour), periodic.Every(30*time.Minute)),
			utc(t, "2026-01-01T00:00:00Z"), []string{"never"}},
		{"nested", periodic.Except(periodic.Or(periodic.Every(time.Hour), periodic.At(a.Add(time.Minute))), periodic.And(periodic.Every(2*time.Hour), periodic.At(a.Add(time.Hour)))),
			utc(t, "2026-01-01T08:30:00Z"), []string{"2026-01-01T09:00:00Z", "2026-01-01T09:01:00Z", "2026-01-01T11:00:00Z"}},
	})
}

// TestCombineString checks the descriptions of combined triggers.
func TestCombineString(t *testing.T) {
	x := utc(t, "2026-01-01T09:00:00Z")
	for _, c := range []struct {
		t    periodic.Trigger
		want string
	}{
		{periodic.Or(periodic.Every(time.Hour), periodic.Every(90*time.Second)), "or(every 1h0m0s, every 1m30s)"},
		{periodic.And(periodic.Every(time.Hour), combineCron(t, "0 9-17 * * 1-5")), "and(every 1h0m0s, 0 9-17 * * 1-5)"},
		{periodic.Except(periodic.Every(15*time.Minute), combineCron(t, "* * * * 0,6")), "except(every 15m0s, * * * * 0,6)"},
		{periodic.Or(periodic.At(x, x.Add(time.Hour)), nil), "or(at(2026-01-01T09:00:00Z, 2026-01-01T10:00:00Z), nil)"},
		{periodic.Except(periodic.Or(periodic.Every(time.Hour), combineCron(t, "@daily")), periodic.And(periodic.Every(2*time.Hour))),
			"except(or(every 1h0m0s, @daily), and(every 2h0m0s))"},
	} {
		require.Equal(t, c.want, fmt.Sprint(c.t))
	}
}

// TestCombineBadInput checks the errors Schedule reports for combined
// triggers: each wraps ErrInvalid and names the bad value.
func TestCombineBadInput(t *testing.T) {
	hourly := periodic.Every(time.Hour)
	for _, c := range []struct {
		name  string
		t     periodic.Trigger
		wants []string // each in the message; none for valid input
	}{
		{"empty Or", periodic.Or(), []string{"Or(): no triggers given"}},
		{"empty And", periodic.And(), []string{"And(): no triggers given"}},
		{"nil in Or", periodic.Or(hourly, hourly, nil), []string{"Or: trigger 2 is nil"}},
		{"nil in And", periodic.And(nil, hourly), []string{"And: trigger 0 is nil"}},
		{"nil Except trigger", periodic.Except(nil, hourly), []string{"Except: trigger is nil"}},
		{"nil Except skip", periodic.Except(hourly, nil), []string{"Except: skip trigger is nil"}},
		{"bad member", periodic.Or(periodic.Every(0)), []string{"Or: trigger 0: ", "Every(0s): the interval must be positive"}},
		{"bad member of And", periodic.And(hourly, periodic.At()), []string{"And: trigger 1: ", "At(): no instants given"}},
		{"bad skip", periodic.Except(hourly, periodic.Or()), []string{"Except: skip trigger: ", "Or(): no triggers given"}},
		{"deep", periodic.Or(periodic.And(periodic.Except(periodic.Every(-time.Second), hourly))), []string{"Every(-1s)"}},
		{"never meet", periodic.And(periodic.Every(time.Hour), periodic.Every(time.Hour+time.Nanosecond)),
			[]string{"And: the triggers never meet", "and(every 1h0m0s, every 1h0m0.000000001s)"}},
		{"weekdays that never meet", periodic.And(combineCron(t, "0 0 * * 1"), combineCron(t, "0 0 * * 2")),
			[]string{"And: the triggers never meet", "and(0 0 * * 1, 0 0 * * 2)"}},
		{"valid Or", periodic.Or(hourly, combineCron(t, "@daily")), nil},
		{"valid And", periodic.And(hourly, periodic.Every(90*time.Minute), combineCron(t, "0 * * * 1-5")), nil},
		{"valid And of At", periodic.And(periodic.At(utc(t, "2030-01-01T00:00:00Z")), hourly), nil},
		{"valid Except", periodic.Except(hourly, combineCron(t, "* * * * 0,6")), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := periodic.New()
			defer func() { require.NoError(t, s.Shutdown(context.Background())) }()
			_, err := periodic.Schedule(s, c.t, func(context.Context) (int, error) { return 0, nil })
			if c.wants == nil {
				require.NoError(t, err)
				return
			}
			require.True(t, errors.Is(err, periodic.ErrInvalid), "%v", err)
			for _, w := range c.wants {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestCombineConcurrentNext calls Next of one combined trigger from
// several goroutines; run it with -race.
func TestCombineConcurrentNext(t *testing.T) {
	tr := periodic.Except(periodic.Or(periodic.Every(time.Hour), combineCron(t, "*/15 9-17 * * 1-5")),
		periodic.And(combineCron(t, "* * * * 0,6"), periodic.Every(time.Minute)))
	from := utc(t, "2026-01-01T00:00:00Z")
	want := tr.Next(from)
	var wg sync.WaitGroup
	got := make([]time.Time, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = tr.Next(from)
		}()
	}
	wg.Wait()
	for _, g := range got {
		require.True(t, want.Equal(g))
	}
}

// TestCombineMonotonic checks that a monotonic clock reading in the time
// given to Next changes nothing.
func TestCombineMonotonic(t *testing.T) {
	now := time.Now()
	for _, tr := range []periodic.Trigger{
		periodic.Or(periodic.Every(time.Second), combineCron(t, "* * * * *")),
		periodic.And(periodic.Every(2*time.Second), combineCron(t, "*/3 * * * * *")),
		periodic.Except(periodic.Every(time.Second), combineCron(t, "*/2 * * * * *")),
	} {
		require.Equal(t, tr.Next(now.Round(0)).UnixNano(), tr.Next(now).UnixNano(), "%v", tr)
	}
}
