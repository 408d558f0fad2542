package periodic

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMisfireBudgetNested checks that a combinator of the package's
// triggers that the scheduler walks by its Next (nested: an Or of an And
// and an Except) is charged, for each Next, the calls to its members that
// Next makes: a year's misfire walks no more ticks than misfireBudget
// affords at that price, where it used to walk 2,000 (walkCap) at one
// call each, ten times the work (8.9 ms without -race, ~50 ms with).
func TestMisfireBudgetNested(t *testing.T) {
	const year = 365 * 24 * time.Hour
	tr := Or(And(MustCron("*/2 * * * * *"), MustCron("*/3 * * * * *")),
		Except(MustCron("*/5 * * * * *"), MustCron("0 * * * * *")))
	tick := tr.Next(c0)
	calls, x := 0, tick
	for range 100 { // the members one Next asks, on average
		var n int
		x, n = nextCounted(tr.(combinator), x)
		calls += n
	}
	per := calls / 100
	require.GreaterOrEqual(t, per, 4)
	for _, policy := range []Misfire{MisfireCoalesce, MisfireSkip, MisfireCatchUp, MisfireCoalesceEarliest} {
		t.Run(policy.String(), func(t *testing.T) {
			var events []Event
			s := budgetEnv(t, &events)
			j, err := Schedule(s, tr, func(context.Context) (int, error) { return 0, nil }, WithMisfire(policy))
			require.NoError(t, err)
			p := j.misfire(tick, tick.Add(year))
			require.True(t, p.atLeast)
			require.LessOrEqual(t, p.missed, 2*misfireBudget/(1+per), "ticks walked at %d calls each", 1+per)
			require.Greater(t, p.missed, misfireBudget/(1+per)/4, "the budget is used, not left idle")
		})
	}
}

// TestMisfireBudgetOpaqueMember counts the calls to a user's trigger
// that is a member of an Or: the scheduler cannot see what the Or's Next
// costs, so the misfire has userBudget calls, and makes at most
// userBudget + misfireExtra calls to the member, whatever the policy.
// It used to make up to misfireBudget + misfireExtra.
func TestMisfireBudgetOpaqueMember(t *testing.T) {
	const year = 365 * 24 * time.Hour
	for _, policy := range []Misfire{MisfireCoalesce, MisfireSkip, MisfireCatchUp, MisfireCoalesceEarliest} {
		t.Run(policy.String(), func(t *testing.T) {
			var events []Event
			s := budgetEnv(t, &events)
			user := &counting{tr: MustCron("* * * * * *")}
			tr := Or(user, MustCron("*/3 * * * * *"))
			j, err := Schedule(s, tr, func(context.Context) (int, error) { return 0, nil }, WithMisfire(policy))
			require.NoError(t, err)
			tick := c0.Add(time.Second)
			user.calls.Store(0)
			p := j.misfire(tick, tick.Add(year))
			require.True(t, p.atLeast)
			calls := int(user.calls.Load())
			require.LessOrEqual(t, calls, userBudget+misfireExtra)
			require.Greater(t, calls, userBudget*2/3, "the budget is used, not left idle")
		})
	}
}
