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

// A trigger that fires every 15 minutes except at weekends. The weekend
// trigger fires at every whole minute of Saturday and Sunday, so it meets
// each quarter hour; Except compares instants exactly.
func ExampleExcept() {
	weekend, err := periodic.Cron("* * * * 0,6")
	if err != nil {
		panic(err)
	}
	t := periodic.Except(periodic.Every(15*time.Minute), weekend)
	fmt.Println(t)
	x := time.Date(2026, 3, 27, 23, 20, 0, 0, time.UTC) // a Friday
	for range 4 {
		x = t.Next(x)
		fmt.Println(x.Format("Mon Jan 2 15:04"))
	}
	// Output:
	// except(every 15m0s, * * * * 0,6)
	// Fri Mar 27 23:30
	// Fri Mar 27 23:45
	// Mon Mar 30 00:00
	// Mon Mar 30 00:15
}
