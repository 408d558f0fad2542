package periodic

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestComparePlaces checks the depth-first order of places on a small
// tree: root → runs r1, r2; r1 → task t (its 2nd child) → task u.
func TestComparePlaces(t *testing.T) {
	var root, r1, r2, tk, u origin
	r1.init(&root, 1)
	r2.init(&root, 2)
	tk.init(&r1, 2)
	u.init(&tk, 1)
	for _, tc := range []struct {
		name string
		a, b place
		want int
	}{
		{"same place", place{&r1, 3}, place{&r1, 3}, 0},
		{"by number among siblings", place{&r1, 1}, place{&r1, 3}, -1},
		{"earlier run first", place{&r2, 1}, place{&r1, 9}, 1},
		{"a run's earlier deadline before its later task", place{&r1, 1}, place{&tk, 1}, -1},
		{"a task before the run's later deadline", place{&tk, 5}, place{&r1, 3}, -1},
		{"a grandchild before the run's later deadline", place{&u, 1}, place{&r1, 3}, -1},
		{"the run's timeout before its tasks", place{&r1, 0}, place{&u, 1}, -1},
		{"a task's parent-side timeout before its own deadlines", place{&tk, 0}, place{&tk, 1}, -1},
		{"a whole run before the next", place{&u, 7}, place{&r2, 0}, -1},
		{"no task", place{nil, 1}, place{&r1, 1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, comparePlaces(tc.a, tc.b))
			require.Equal(t, -tc.want, comparePlaces(tc.b, tc.a))
		})
	}
}
