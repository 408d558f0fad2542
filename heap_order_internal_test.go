package periodic

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeEvent is an event at a given place, ranked or not.
type fakeEvent struct {
	at     place
	ranked uint32
}

func (f *fakeEvent) fire(*entry, time.Time) {}
func (f *fakeEvent) place() place           { return f.at }
func (f *fakeEvent) group() grouped         { return nil }

// rankedEvent is a fakeEvent that gives its rank.
type rankedEvent struct{ fakeEvent }

func (r *rankedEvent) rank() uint32 { return r.ranked }

// TestHeapOrderRandom pushes, removes and pops random entries, some due
// at one instant, under jobs and runs of an order tree, ranked and not,
// and checks after each step the heap's shape, and that what pops comes
// in the order of (when, comparePlaces, seq), the rule the ranks speed up.
func TestHeapOrderRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var root origin
	runs := make([]*origin, 40)
	for i := range runs {
		runs[i] = &origin{}
		runs[i].init(&root, jobPlace(uint32(1+i%8))|uint64(1+i/8))
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var h deadlines
	var seq uint64
	live := map[*entry]bool{}
	newEntry := func() *entry {
		e := &entry{index: -1}
		job := 1 + rng.IntN(8)
		switch rng.IntN(4) {
		case 0: // a job's tick, ranked
			e.ev = &rankedEvent{fakeEvent{place{&root, jobPlace(uint32(job))}, uint32(job)}}
		case 1: // a run's timeout, ranked
			r := runs[rng.IntN(len(runs))]
			e.ev = &rankedEvent{fakeEvent{place{by: r}, uint32(r.n >> 32)}}
		case 2: // a Sleep inside a run: not ranked
			r := runs[rng.IntN(len(runs))]
			e.ev = &fakeEvent{at: place{r, 1 + uint64(rng.IntN(3))}}
		default: // a tick of no rank to give
			e.ev = &rankedEvent{fakeEvent{place{&root, jobPlace(uint32(job))}, 0}}
		}
		return e
	}
	push := func(e *entry) {
		seq++
		e.when, e.seq = t0.Add(time.Duration(rng.IntN(3))*time.Second), seq
		h.push(e)
		live[e] = true
	}
	ref := func(a, b *entry) int {
		return cmp.Or(a.when.Compare(b.when), comparePlaces(a.ev.place(), b.ev.place()), cmp.Compare(a.seq, b.seq))
	}
	for step := range 4_000 {
		switch op := rng.IntN(10); {
		case op < 5 || len(h) == 0:
			push(newEntry())
		case op < 7: // remove any
			e := h[rng.IntN(len(h))]
			if e == nil { // the hole pop left
				continue
			}
			h.remove(e)
			require.Equal(t, int32(-1), e.index)
			delete(live, e)
		default: // pop the earliest: it must be the least of all
			want := slices.MinFunc(slices.Collect(func(yield func(*entry) bool) {
				for e := range live {
					if !yield(e) {
						return
					}
				}
			}), ref)
			e := h.peek()
			require.Same(t, want, e, "step %d", step)
			if op == 9 { // as the releaser does: the slot stays empty for the next push
				require.Same(t, e, h.pop())
			} else {
				h.remove(e)
			}
			require.Equal(t, int32(-1), e.index)
			delete(live, e)
		}
		requireHeap(t, h)
		require.Equal(t, len(live), h.size())
	}
}

// TestHeapPopLeavesTheRootToPush checks the slot pop leaves at the root:
// peek answers with the earlier of its children, the next push fills it
// in place, and any other change closes it first; the heap drains in
// order to empty, leaving no slot behind.
func TestHeapPopLeavesTheRootToPush(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var h deadlines
	var seq uint64
	at := func(sec int) *entry {
		seq++
		return &entry{when: t0.Add(time.Duration(sec) * time.Second), seq: seq, index: -1, ev: &fakeEvent{}}
	}
	es := []*entry{at(1), at(2), at(3), at(4), at(5)}
	for _, e := range es {
		h.push(e)
	}
	require.Same(t, es[0], h.pop())
	require.Nil(t, h[0], "the root's slot is left empty")
	require.Equal(t, 4, h.size())
	require.Same(t, es[1], h.peek(), "peek: the earlier child")
	requireHeap(t, h)

	next := at(0) // earlier than all: it takes the slot and stays
	h.push(next)
	require.Same(t, next, h[0])
	require.Equal(t, int32(0), next.index)
	require.Equal(t, 5, h.size())
	requireHeap(t, h)

	require.Same(t, next, h.pop())
	late := at(9) // later than all: it takes the slot and sinks to a leaf
	h.push(late)
	require.Same(t, es[1], h[0])
	requireHeap(t, h)

	require.Same(t, es[1], h.pop())
	h.remove(es[3]) // another change closes the slot first
	require.NotNil(t, h[0])
	require.Equal(t, int32(-1), es[3].index)
	requireHeap(t, h)

	var order []*entry
	for e := h.pop(); e != nil; e = h.pop() {
		order = append(order, e)
	}
	require.Equal(t, []*entry{es[2], es[4], late}, order)
	require.Empty(t, h, "the last pop leaves no slot")
	require.Nil(t, h.peek())
}
