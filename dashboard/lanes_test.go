package dashboard

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAssignLanes(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	run := func(start, end int) Run { // end < 0: in flight
		r := Run{Start: at(start)}
		if end >= 0 {
			r.End = at(end)
		}
		return r
	}
	now := at(100)
	for _, tc := range []struct {
		name string
		runs []Run
		want []int
	}{
		{"none", nil, []int{}},
		{"apart", []Run{run(0, 5), run(10, 15), run(20, 25)}, []int{0, 0, 0}},
		{"touching ends share a lane", []Run{run(0, 10), run(10, 20)}, []int{0, 0}},
		{"the seed: each overlaps the next", []Run{run(0, 12), run(10, 17), run(20, 35), run(30, 35)}, []int{0, 1, 0, 1}},
		{"three at once", []Run{run(0, 30), run(5, 30), run(10, 30), run(31, 40)}, []int{0, 1, 2, 0}},
		{"a lane frees up below", []Run{run(0, 10), run(5, 50), run(12, 20)}, []int{0, 1, 0}},
		{"in flight keeps its lane", []Run{run(0, -1), run(50, 60), run(90, -1)}, []int{0, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, assignLanes(tc.runs, now))
		})
	}
}
