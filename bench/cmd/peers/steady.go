package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/periodic-go/periodic/bench"
)

// steadyPeers returns the contenders of the steady bursts: the floor,
// periodic, periodic reading every future through OnDone, and the peers
// selected (the naive port only when named with -peers).
func steadyPeers(o options) []bench.Peer {
	var ps []bench.Peer
	for _, p := range selected(o) {
		if p.Name == "naive" && o.peers == nil {
			continue
		}
		ps = append(ps, p)
		if p.Name == "periodic" {
			ps = append(ps, bench.PeriodicOnDone())
		}
	}
	return ps
}

// steadySample is one steady run of one contender, with its ratios to the
// floor's run of the same round (interleaved) or to the floor's median
// (back to back).
type steadySample struct {
	r        bench.Steady
	cpuRatio float64
	p99Ratio float64
}

func steady(o options) {
	fmt.Println("\n## Steady bursts, the whole run life")
	fmt.Printf("\n%d jobs every %v sharing one phase (their first tick the same whole multiple of the interval), %d ticks each. CPU: process CPU (getrusage user+sys) from 20 ms before the first tick until Stop has returned, with every run started (periodic+OnDone: and every future read through OnRun + OnDone), per 1,000 runs: creating, running and settling each run, the books, the goroutines' exit and the shutdown are all in it. Lateness: each run's start minus its tick, over all %d runs. robfig ticks on whole seconds; the interval is at least 1 s for everyone.\n",
		o.steadyN, o.steadyEvery, o.steadyTicks, o.steadyN*o.steadyTicks)
	peers := steadyPeers(o)
	if o.steadyRounds > 0 {
		fmt.Printf("\n### Interleaved: %d rounds, each contender once per round, in turn\n\nEach ratio is to the floor's run of the same round; the median ratio and the range over the rounds.\n\n", o.steadyRounds)
		samples := make([][]steadySample, len(peers))
		for range o.steadyRounds {
			var floor bench.Steady
			for i, p := range peers {
				r, err := bench.MeasureSteady(p, o.steadyN, o.steadyTicks, o.steadyEvery, time.Second)
				bench.Clean()
				if err != nil {
					fmt.Printf("(%s: %v)\n", p.Name, err)
					continue
				}
				if p.Floor {
					floor = r
				}
				samples[i] = append(samples[i], steadySample{r, frac(r.CPUPer1000, floor.CPUPer1000), frac(r.P99, floor.P99)})
			}
		}
		steadyTable(peers, samples, "interleaved")
	}
	if o.b2bRounds > 0 {
		fmt.Printf("\n### Back to back: %d runs of one contender, then the next\n\nThe floor's median is the reference; the range is of each run's ratio to it.\n\n", o.b2bRounds)
		samples := make([][]steadySample, len(peers))
		var floorCPU, floorP99 time.Duration
		for i, p := range peers {
			var rs []bench.Steady
			for range o.b2bRounds {
				r, err := bench.MeasureSteady(p, o.steadyN, o.steadyTicks, o.steadyEvery, time.Second)
				if err != nil {
					fmt.Printf("(%s: %v)\n", p.Name, err)
					continue
				}
				rs = append(rs, r)
			}
			bench.Clean()
			if len(rs) == 0 {
				continue
			}
			if p.Floor {
				floorCPU = median(rs, func(s bench.Steady) time.Duration { return s.CPUPer1000 })
				floorP99 = median(rs, func(s bench.Steady) time.Duration { return s.P99 })
			}
			for _, r := range rs {
				samples[i] = append(samples[i], steadySample{r, frac(r.CPUPer1000, floorCPU), frac(r.P99, floorP99)})
			}
		}
		steadyTable(peers, samples, "back to back")
	}
}

// steadyTable prints one table of steady samples and the targets.
func steadyTable(peers []bench.Peer, samples [][]steadySample, mode string) {
	fmt.Println("| contender | CPU per 1k runs | ×floor | ×floor range | p50 late | p99 late | ×floor | ×floor range | max late | Stop | allocs/run |")
	fmt.Println("|---|---:|---:|---|---:|---:|---:|---|---:|---:|---:|")
	for i, p := range peers {
		ss := samples[i]
		if len(ss) == 0 {
			fmt.Printf("| %s | no sample | | | | | | | | | |\n", p.Name)
			continue
		}
		rs := make([]bench.Steady, len(ss))
		for k, s := range ss {
			rs[k] = s.r
		}
		cpuR, cpuLo, cpuHi := ratios(ss, func(s steadySample) float64 { return s.cpuRatio })
		p99R, p99Lo, p99Hi := ratios(ss, func(s steadySample) float64 { return s.p99Ratio })
		fmt.Printf("| %s | %s | %.2fx | %.2f-%.2f | %s | %s | %.2fx | %.2f-%.2f | %s | %s | %.1f |\n", p.Name,
			us(median(rs, func(s bench.Steady) time.Duration { return s.CPUPer1000 })), cpuR, cpuLo, cpuHi,
			ms(median(rs, func(s bench.Steady) time.Duration { return s.P50 })),
			ms(median(rs, func(s bench.Steady) time.Duration { return s.P99 })), p99R, p99Lo, p99Hi,
			ms(median(rs, func(s bench.Steady) time.Duration { return s.Max })),
			ms(median(rs, func(s bench.Steady) time.Duration { return s.Stop })), ss[len(ss)/2].r.AllocsPerRun)
		switch p.Name {
		case "periodic":
			target(fmt.Sprintf("steady bursts, CPU per run ≤ 1.0x, whole run life (%s)", mode), rangeText(cpuR, cpuLo, cpuHi), cpuR <= 1)
			target(fmt.Sprintf("steady bursts, p99 lateness ≤ 1.0x (%s)", mode), rangeText(p99R, p99Lo, p99Hi), p99R <= 1)
		case "periodic+OnDone":
			target(fmt.Sprintf("steady bursts, CPU per run with every future read ≤ 1.2x (%s)", mode), rangeText(cpuR, cpuLo, cpuHi), cpuR <= 1.2)
		}
	}
}

// frac returns a/b, or 0 when b is zero.
func frac(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// ratios returns the median (of an even count, the mean of the middle
// two), least and greatest of the samples' ratios.
func ratios(ss []steadySample, f func(steadySample) float64) (med, lo, hi float64) {
	xs := make([]float64, len(ss))
	for i, s := range ss {
		xs[i] = f(s)
	}
	slices.Sort(xs)
	n := len(xs)
	return (xs[(n-1)/2] + xs[n/2]) / 2, xs[0], xs[n-1]
}

// rangeText formats a median ratio and its range.
func rangeText(med, lo, hi float64) string {
	return fmt.Sprintf("%.2fx (%.2f-%.2f)", med, lo, hi)
}

// median returns the median of f over rs.
func median(rs []bench.Steady, f func(bench.Steady) time.Duration) time.Duration {
	xs := make([]time.Duration, len(rs))
	for i, r := range rs {
		xs[i] = f(r)
	}
	slices.Sort(xs)
	n := len(xs)
	return (xs[(n-1)/2] + xs[n/2]) / 2
}

// sectionList is the sections -only accepts, the defaults first.
var sectionList = strings.Join([]string{"idle", "tick", "steady", "drift", "burst", "future"}, ",")
