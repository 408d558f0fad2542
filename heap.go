package periodic

import "time"

// event is something the dispatcher does when a deadline comes: a job's
// tick, a sleeper's wake-up, a run's timeout, a delayed start. place is
// where it stands among events of the same instant (see order.go).
type event interface {
	fire(e *entry, now time.Time)
	place() place
	// group returns the event as a grouped one (a job's tick), or nil: a
	// method, not a type assertion, which costs an itab look-up on every
	// tick (BENCHMARKS.md, "One ticking job").
	group() grouped
}

// entry is a deadline in the scheduler's heap. Entries due at the same
// instant are released by their events' places in the order tree (see
// order.go), then in registration order (seq). It has one owner at a
// time, told by index: the heap (>= 0), the releaser (held), or its object
// (-1); only the owner changes when (ARCHITECTURE.md, heap entries).
type entry struct {
	when  time.Time
	seq   uint64
	index int32  // position in the heap; held or -1 when not in it
	rank  uint32 // the job its place stands under, from push; 0: unknown (see ranked)
	ev    event
}

// held is the index of an entry the releaser popped and is firing.
const held int32 = -2

// ranked is an event whose place stands under one of the jobs, the root's
// children: a job's tick, a run's timeout. rank returns that job's number
// among them (order.go), or 0 when it has none to give. Entries of
// different ranks are in the order of their ranks, as comparePlaces would
// order them, without walking the tree: in a burst, every tick due at one
// instant is compared this way.
type ranked interface{ rank() uint32 }

// deadlines is a binary min-heap of entries ordered by (when, place, seq),
// of at most 2^31-1 entries. The scheduler's mu guards it.
//
// Its root's slot may be empty (nil, the hole): pop takes the root out and
// leaves its slot for the next push, which puts the new entry there
// (replace-top; fillWith: it stays at the root or enters from a leaf),
// since the releaser pops a tick and pushes the job's next one right
// after, often the earliest again. A lone tick then costs a comparison or
// two instead of a walk down and a walk up the heap's height, each of
// them cache misses among 100,000 idle jobs (BENCHMARKS.md, "Issue 14,
// fourth round"). Every other change fills the hole first (fill); only
// the root may be empty, and only while the heap holds another entry.
// size counts the entries.
type deadlines []*entry

// before orders two entries.
func (h deadlines) before(i, j int) bool {
	a, b := h[i], h[j]
	if c := a.when.Compare(b.when); c != 0 {
		return c < 0
	}
	if a.rank != b.rank && a.rank != 0 && b.rank != 0 {
		return a.rank < b.rank
	}
	if c := comparePlaces(a.ev.place(), b.ev.place()); c != 0 {
		return c < 0
	}
	return a.seq < b.seq
}

// swap exchanges two entries and their indexes.
func (h deadlines) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = int32(i), int32(j)
}

// push adds e, ranking it first.
func (h *deadlines) push(e *entry) {
	e.rank = 0
	if r, ok := e.ev.(ranked); ok {
		e.rank = r.rank()
	}
	if h.hole() { // replace-top: the hole pop left
		h.fillWith(e)
		return
	}
	e.index = int32(len(*h))
	*h = append(*h, e)
	h.up(len(*h) - 1)
}

// peek returns the earliest entry, or nil: the root, or with a hole
// there the earlier of its children.
func (h deadlines) peek() *entry {
	switch {
	case len(h) == 0:
		return nil
	case h[0] != nil:
		return h[0]
	case len(h) == 2 || h.before(1, 2):
		return h[1]
	}
	return h[2]
}

// hole reports whether the root's slot is empty.
func (h deadlines) hole() bool { return len(h) > 0 && h[0] == nil }

// size returns how many entries the heap holds.
func (h deadlines) size() int {
	if h.hole() {
		return len(h) - 1
	}
	return len(h)
}

// pop takes the earliest entry out, or returns nil, leaving the root's
// slot empty for the next push unless the heap is left empty.
func (h *deadlines) pop() *entry {
	h.fill()
	if len(*h) == 0 {
		return nil
	}
	e := (*h)[0]
	e.index, (*h)[0] = -1, nil
	if len(*h) == 1 { // no slot is left in an empty heap
		*h = (*h)[:0]
	}
	return e
}

// holds reports whether e is in the heap. A zero entry's index is 0, so
// the slot is checked too.
func (h deadlines) holds(e *entry) bool {
	i := int(e.index)
	return i >= 0 && i < len(h) && h[i] == e
}

// remove takes e out of the heap if it is in it.
func (h *deadlines) remove(e *entry) {
	if !h.holds(e) {
		return
	}
	h.fill()
	i := int(e.index) // fill may have moved e
	last := len(*h) - 1
	if i == 0 && last > 0 {
		h.popRoot()
		return
	}
	if i != last {
		h.swap(i, last)
	}
	(*h)[last] = nil
	*h = (*h)[:last]
	e.index = -1
	if i != last {
		h.down(i)
		h.up(i)
	}
}

// vacate takes e out of the heap, if it is in it, and gives it to its
// object (index -1), leaving its slot empty: the heap is out of order
// until compact closes the slots, in the same critical section. It is
// how Shutdown takes a million idle ticks out: a remove of each would
// sift the heap each time, O(log n) apiece.
func (h deadlines) vacate(e *entry) {
	if h.holds(e) {
		h[int(e.index)] = nil
		e.index = -1
	}
}

// compact closes the slots vacate left and restores the order of what is
// left at once, O(n). Held entries are not in the heap and stay the
// releaser's.
func (h *deadlines) compact() {
	kept := (*h)[:0]
	for _, e := range *h {
		if e != nil {
			e.index = int32(len(kept))
			kept = append(kept, e)
		}
	}
	clear((*h)[len(kept):])
	*h = kept
	for i := len(kept)/2 - 1; i >= 0; i-- {
		kept.down(i)
	}
}

// popRoot takes the earliest entry out of a heap of two or more whose
// root's slot is filled, leaving no hole.
func (h *deadlines) popRoot() {
	(*h)[0].index = -1
	(*h)[0] = nil
	h.fill()
}

// fill closes the hole at the root, if there is one. It moves the hole
// down to a leaf along the earlier child of each level, then fills it
// with the last entry and lets that rise: one comparison a level, where
// a swap of the last entry to the root and a sift down take two, and the
// last entry, a late one, rarely rises far (Floyd; as Go's sort does).
func (h *deadlines) fill() {
	if !h.hole() {
		return
	}
	old := *h
	last := len(old) - 1
	moved := old[last]
	old[last] = nil
	hs := old[:last]
	*h = hs
	i, n := 0, len(hs)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && hs.before(r, c) {
			c = r
		}
		hs[i] = hs[c]
		hs[i].index = int32(i)
		i = c
	}
	hs[i] = moved
	moved.index = int32(i)
	hs.up(i)
}

// fillWith puts e in the hole at the root. A lone tick's next tick, the
// earliest again, stays there after a comparison or two; any other moves
// the hole down to a leaf along the earlier child, one comparison a
// level, and rises from there, as fill's last entry does: a late tick
// (the next tick of one of many staggered jobs) rises little, where a
// sift down from the root would take two comparisons a level.
func (h deadlines) fillWith(e *entry) {
	n := len(h)
	h[0], e.index = e, 0
	c := 1
	if 2 < n && h.before(2, 1) {
		c = 2
	}
	if !h.before(c, 0) {
		return
	}
	i := 0
	for {
		h[i] = h[c]
		h[i].index = int32(i)
		i = c
		if c = 2*i + 1; c >= n {
			break
		}
		if r := c + 1; r < n && h.before(r, c) {
			c = r
		}
	}
	h[i], e.index = e, int32(i)
	h.up(i)
}

// parentOf returns the index of the parent of the entry at i > 0.
func parentOf(i int) int { return (i - 1) / 2 }

// up restores the order from i towards the root.
func (h deadlines) up(i int) {
	for i > 0 {
		p := parentOf(i)
		if !h.before(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

// down restores the order from i towards the leaves.
func (h deadlines) down(i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.before(r, l) {
			m = r
		}
		if !h.before(m, i) {
			return
		}
		h.swap(i, m)
		i = m
	}
}
