package periodic

import "context"

// NoResult adapts a function that returns only an error, the shape of most
// jobs (and of robfig/cron's and gocron's), to a Func[struct{}], so that
// it can be scheduled or started with Go:
//
//	job, err := periodic.Schedule(s, periodic.Every(time.Hour), periodic.NoResult(cleanup))
//
// The run's future then succeeds with struct{}{} when fn returns nil, and
// otherwise settles with fn's error by the usual rules. A nil fn gives a
// nil Func, which Schedule and Go report as bad input.
func NoResult(fn func(ctx context.Context) error) Func[struct{}] {
	if fn == nil {
		return nil
	}
	return func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) }
}
