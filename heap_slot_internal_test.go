package periodic

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// countingEvent counts the comparisons the heap makes: every entry is due
// at one instant and unranked, so before asks each of the two entries for
// its place once per comparison.
type countingEvent struct{ n *int }

func (c countingEvent) fire(*entry, time.Time) {}
func (c countingEvent) place() place           { *c.n++; return place{} }
func (c countingEvent) group() grouped         { return nil }

// comparisonsPerTick fills a heap with idle entries, all at one instant
// (seq orders them, so every comparison asks for places, which counts
// it), and then, ticks times, takes the earliest out and puts it back:
// as the latest (lone false), as a job among many staggered ones does,
// each job's next tick after every other job's; or as the earliest again
// (lone true), as one ticking job among idle ones does. With slot, the
// releaser's pop and the push into the root's slot; without, a pop that
// leaves no slot (remove of the root) and a push from a leaf, as before
// the slot. It returns the comparisons per tick.
func comparisonsPerTick(idle, ticks int, slot, lone bool) float64 {
	var calls int
	var h deadlines
	seq := uint64(1) << 40
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for range idle {
		seq++
		h.push(&entry{when: t0, seq: seq, index: -1, ev: countingEvent{&calls}})
	}
	early := uint64(1) << 39 // seqs before every idle entry's, falling
	calls = 0
	for range ticks {
		var e *entry
		if slot {
			e = h.pop()
		} else {
			e = h.peek()
			h.remove(e)
		}
		if lone {
			early--
			e.seq = early
		} else {
			seq++
			e.seq = seq
		}
		h.push(e)
	}
	return float64(calls) / 2 / float64(ticks)
}

// TestHeapStaggeredTickComparisons counts the heap's comparisons per tick
// among 100,000 entries, with the root's slot and with the two walks it
// replaced. A lone tick, the earliest again, must cost a few comparisons
// where the two walks cost the heap's height. A tick whose next tick is
// the latest (100,000 jobs of one interval, staggered: the steady state
// of many jobs, and every tick of a burst periodictest releases one at a
// time) must cost no more than the two walks: pushed into the slot, a
// sift down from the root took two comparisons a level (31 against 18,
// found in review), where entering from a leaf, as fillWith does, takes
// one.
func TestHeapStaggeredTickComparisons(t *testing.T) {
	const idle, ticks = 100_000, 10_000
	for _, lone := range []bool{true, false} {
		slot := comparisonsPerTick(idle, ticks, true, lone)
		walks := comparisonsPerTick(idle, ticks, false, lone)
		t.Logf("lone %v: comparisons per tick among %d: slot %.1f, two walks %.1f (ratio %.2f)", lone, idle, slot, walks, slot/walks)
		if lone {
			require.LessOrEqual(t, slot, 3.0, "a lone tick walks the heap")
			require.GreaterOrEqual(t, walks, 17.0, "the two walks' count is off: the test counts nothing")
			continue
		}
		require.LessOrEqual(t, slot, walks, "the slot makes a staggered tick cost more comparisons than the two walks")
	}
}

// TestHeapVacateWithTheRootSlot mixes the releaser's pops (which leave the
// root's slot), pushes, removes, and Shutdown's vacate and compact, and
// checks the heap's shape and order after each step: compact must close
// the root's slot with the slots vacate left.
func TestHeapVacateWithTheRootSlot(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for round := range 300 {
		var h deadlines
		var seq uint64
		live := map[*entry]bool{}
		push := func() {
			seq++
			e := &entry{when: t0.Add(time.Duration(rng.IntN(5)) * time.Second), seq: seq, index: -1, ev: &fakeEvent{}}
			h.push(e)
			live[e] = true
		}
		for range 1 + rng.IntN(40) {
			push()
		}
		for range rng.IntN(30) {
			switch rng.IntN(3) {
			case 0:
				if e := h.pop(); e != nil {
					delete(live, e)
				}
			case 1:
				push()
			default:
				if e := h[rng.IntN(len(h))]; e != nil {
					h.remove(e)
					delete(live, e)
				}
			}
			if len(h) == 0 {
				push()
			}
		}
		if rng.IntN(2) == 0 && h.size() > 0 {
			e := h.pop() // the releaser holds one: the slot stays empty
			delete(live, e)
		}
		for e := range live { // vacate about half, as closeJobs does each job's tick
			if rng.IntN(2) == 0 {
				h.vacate(e)
				require.Equal(t, int32(-1), e.index)
				delete(live, e)
			}
		}
		h.compact()
		for i, e := range h {
			require.NotNil(t, e, "round %d: slot %d empty after compact", round, i)
		}
		requireHeap(t, h)
		require.Equal(t, len(live), h.size(), "round %d", round)
		var prev *entry
		for e := h.pop(); e != nil; e = h.pop() {
			require.True(t, live[e], "round %d: popped an entry not in the heap", round)
			if prev != nil {
				require.True(t, prev.when.Before(e.when) || prev.when.Equal(e.when) && prev.seq < e.seq, "round %d: out of order", round)
			}
			prev = e
			delete(live, e)
			requireHeap(t, h)
		}
		require.Empty(t, live)
		require.Empty(t, h)
	}
}
