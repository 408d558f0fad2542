package dashboard

import (
	"slices"
	"strings"
	"time"
)

// Geometry of a timeline, in SVG user units.
const (
	tlWidth   = 720.0 // the drawing, past and future
	tlLaneH   = 12.0  // a bar's height
	tlLaneGap = 4.0   // between lanes
	tlTop     = 4.0   // above the first lane
	tlAxisH   = 16.0  // below the last lane, for the axis labels
	tlMinBar  = 2.0   // the narrowest bar, so a short run stays visible
	tlTicks   = 4     // axis labels in the past part of the window
)

// Timeline is a job's runs laid out in lanes for the SVG: runs that
// overlap in time go to different lanes, so concurrency reads as stacked
// bars. The window ends a sixth of its length after now, where the next
// runs show as marks.
type Timeline struct {
	Width, Height float64
	Lanes         int
	NowX          float64
	AxisY         float64 // the bottom of the lanes
	LabelY        float64 // the baseline of the axis labels
	Bars          []Bar
	Skips         []Mark // ticks skipped
	Next          []Mark // the next runs within the window
	Axis          []Mark // labelled instants, relative to now
}

// Bar is one run in a Timeline; Class is its outcome.
type Bar struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

// Mark is an instant in a Timeline.
type Mark struct {
	X     float64
	Label string
}

// scale maps instants of the window [from, to] to x.
type scale struct{ from, to time.Time }

// x is t's abscissa, clamped to the window.
func (sc scale) x(t time.Time) float64 {
	switch {
	case t.Before(sc.from):
		t = sc.from
	case t.After(sc.to):
		t = sc.to
	}
	return round1(float64(t.Sub(sc.from)) / float64(sc.to.Sub(sc.from)) * tlWidth)
}

// layout draws running, done (oldest first) and next over the window of
// length w that ends at now.
func layout(running, done []Run, next []time.Time, now time.Time, w time.Duration) Timeline {
	sc := scale{now.Add(-w), now.Add(w / 6)}
	var runs []Run
	tl := Timeline{Width: tlWidth, NowX: sc.x(now)}
	for _, r := range append(slices.Clone(done), running...) {
		end := r.End
		if end.IsZero() {
			end = now
		}
		switch {
		case end.Before(sc.from):
		case outcome(r) == "skipped":
			tl.Skips = append(tl.Skips, Mark{X: sc.x(r.Tick), Label: "skipped tick " + clock(r.Tick)})
		default:
			runs = append(runs, r)
		}
	}
	slices.SortStableFunc(runs, func(a, b Run) int { return a.Start.Compare(b.Start) })
	lanes := assignLanes(runs, now)
	for i, r := range runs {
		tl.Bars = append(tl.Bars, bar(r, lanes[i], sc, now))
		tl.Lanes = max(tl.Lanes, lanes[i]+1)
	}
	for _, t := range next {
		if !t.After(sc.to) {
			tl.Next = append(tl.Next, Mark{X: sc.x(t), Label: "next run " + clock(t)})
		}
	}
	tl.AxisY = tlTop + float64(max(tl.Lanes, 1))*(tlLaneH+tlLaneGap)
	tl.Height = tl.AxisY + tlAxisH
	tl.LabelY = tl.AxisY + tlAxisH - 4
	for k := 1; k <= tlTicks; k++ { // the left edge goes unlabelled
		ago := w * time.Duration(tlTicks-k) / tlTicks
		tl.Axis = append(tl.Axis, Mark{X: sc.x(now.Add(-ago)), Label: relative(ago)})
	}
	return tl
}

// assignLanes gives each run, sorted by start, the lowest lane free at
// its start (interval partitioning: as few lanes as the peak overlap).
func assignLanes(runs []Run, now time.Time) []int {
	var free []time.Time // per lane, when its last run ends
	out := make([]int, len(runs))
	for i, r := range runs {
		lane := slices.IndexFunc(free, func(end time.Time) bool { return !end.After(r.Start) })
		if lane < 0 {
			lane = len(free)
			free = append(free, time.Time{})
		}
		free[lane] = r.End
		if r.End.IsZero() { // in flight: taken past now, and no run starts after now
			free[lane] = now.Add(time.Nanosecond)
		}
		out[i] = lane
	}
	return out
}

// bar draws r in lane.
func bar(r Run, lane int, sc scale, now time.Time) Bar {
	end := r.End
	if end.IsZero() {
		end = now
	}
	x0, x1 := sc.x(r.Start), sc.x(end)
	v := runView(r, now)
	title := []string{v.Outcome, "started " + clock(r.Start), "tick " + clock(r.Tick), "took " + seconds(end.Sub(r.Start))}
	if v.Outcome == "running" {
		title[3] = "running for " + seconds(end.Sub(r.Start))
	}
	if v.Error != "" {
		title = append(title, v.Error)
	}
	return Bar{X: x0, Y: tlTop + float64(lane)*(tlLaneH+tlLaneGap), W: max(round1(x1-x0), tlMinBar), H: tlLaneH,
		Class: v.Outcome, Title: strings.Join(title, ", ")}
}
