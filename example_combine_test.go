package periodic_test

import (
	"fmt"
	"time"

	"github.com/periodic-go/periodic"
)

// A trigger that fires every four hours and at 9:30 on weekdays. Inside a
// combinator, Every fires at the multiples of its interval since the Unix
// epoch, so Every(4*time.Hour) fires at 00:00, 04:00, ... UTC.
func ExampleOr() {
	nineThirty, err := periodic.Cron("30 9 * * 1-5")
	if err != nil {
		panic(err)
	}
	t := periodic.Or(periodic.Every(4*time.Hour), nineThirty)
	fmt.Println(t)
	x := time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC) // a Friday
	for range 5 {
		x = t.Next(x)
		fmt.Println(x.Format("Mon 15:04"))
	}
	// Output:
	// or(every 4h0m0s, 30 9 * * 1-5)
	// Fri 04:00
	// Fri 08:00
	// Fri 09:30
	// Fri 12:00
	// Fri 16:00
}

// A trigger that fires every 90 minutes, but only in office hours on
// weekdays.
func ExampleAnd() {
	office, err := periodic.Cron("* 9-16 * * 1-5")
	if err != nil {
		panic(err)
	}
	t := periodic.And(periodic.Every(90*time.Minute), office)
	x := time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC) // a Friday
	for range 5 {
		x = t.Next(x)
		fmt.Println(x.Format("Mon 15:04"))
	}
	// Output:
	// Fri 13:30
	// Fri 15:00
	// Fri 16:30
	// Mon 09:00
	// Mon 10:30
}

// A trigger that fires every 90 seconds except at weekends. A cron
// expression used as the skip trigger stands for the whole minutes it
// names, as Quartz's exclusion calendars do: 00:01:30 on Saturday does
// not run, though the expression fires at whole minutes only.
func ExampleExcept() {
	weekend := periodic.MustCron("* * * * sat-sun")
	t := periodic.Except(periodic.Every(90*time.Second), weekend)
	fmt.Println(t)
	x := time.Date(2026, 3, 27, 23, 57, 0, 0, time.UTC) // a Friday
	for range 4 {
		x = t.Next(x)
		fmt.Println(x.Format("Mon Jan 2 15:04:05"))
	}
	// Output:
	// except(every 1m30s, * * * * sat-sun)
	// Fri Mar 27 23:58:30
	// Mon Mar 30 00:00:00
	// Mon Mar 30 00:01:30
	// Mon Mar 30 00:03:00
}
