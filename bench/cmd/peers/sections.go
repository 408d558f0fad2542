// This file holds the tick, burst, drift and future sections of the peer
// comparison.

package main

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/periodic-go/periodic/bench"
)

func tick(o options) {
	fmt.Println("\n## CPU of one ticking job among idle ones")
	fmt.Printf("\nOne job every 100 ms (robfig: every 1 s, its minimum; compared with a floor ticking every 1 s) plus N idle jobs every %v. Process CPU (getrusage user+sys) over a %v wall window, per second of wall time; the median of %d windows, the contenders interleaved.\n", bench.IdleEvery, o.window, o.reps)
	for _, idle := range []int{0, o.tickIdle} {
		fmt.Printf("\n### %d idle jobs\n\n", idle)
		fmt.Println("| contender | every | CPU ms/s | ×floor | runs in window | allocs/run | samples ms/s |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---|")
		peers := selected(o)
		if hasQuantum(peers) {
			f := peers[0]
			f.Name, f.Quantum = "floor @1s", time.Second
			peers = append(peers[:1], append([]bench.Peer{f}, peers[1:]...)...)
		}
		samples := make([][]bench.Tick, len(peers))
		errs := make([]error, len(peers))
		for range o.reps {
			for i, p := range peers {
				r, err := bench.MeasureTick(p, idle, 100*time.Millisecond, o.window)
				bench.Clean()
				if err != nil {
					errs[i] = err
					continue
				}
				samples[i] = append(samples[i], r)
			}
		}
		floors := map[time.Duration]bench.Tick{}
		for i, p := range peers {
			if errs[i] != nil || len(samples[i]) == 0 {
				fmt.Printf("| %s | error: %v | | | | | | |\n", p.Name, errs[i])
				continue
			}
			r, all := medianTick(samples[i])
			if p.Floor {
				floors[r.Every] = r
			}
			f := floors[r.Every]
			fmt.Printf("| %s | %v | %.3f | %s | %d | %.1f | %s |\n", p.Name, r.Every, r.CPUPerSec*1e3, ratio(r.CPUPerSec, f.CPUPerSec), r.Runs, r.AllocsPerRun, all)
			if p.Name == "periodic" && idle > 0 {
				target(fmt.Sprintf("CPU/s of one 100 ms job among %d idle ≤ 1.0x", idle), ratio(r.CPUPerSec, f.CPUPerSec), r.CPUPerSec <= f.CPUPerSec)
			}
		}
	}
}

// medianTick returns the sample of median CPU and all the samples' CPU.
func medianTick(ts []bench.Tick) (bench.Tick, string) {
	sorted := slices.Clone(ts)
	slices.SortFunc(sorted, func(a, b bench.Tick) int { return cmp.Compare(a.CPUPerSec, b.CPUPerSec) })
	var all []string
	for _, t := range ts {
		all = append(all, fmt.Sprintf("%.2f", t.CPUPerSec*1e3))
	}
	return sorted[len(sorted)/2], strings.Join(all, ", ")
}

func hasQuantum(ps []bench.Peer) bool {
	for _, p := range ps {
		if p.Quantum > 0 {
			return true
		}
	}
	return false
}

func burst(o options) {
	fmt.Println("\n## Burst")
	fmt.Printf("\n%d jobs whose first tick is the same instant (robfig: cron.Every wrapped to give that first tick). CPU: process CPU from 20 ms before the tick until every run has started (periodic+OnDone: and every future's OnDone callback has run), per 1,000 runs. Lateness: each run's start minus the tick. Each column is the median of %d bursts, the contenders interleaved.\n\n", o.burst, o.burstReps)
	fmt.Println("| contender | CPU per 1k runs | ×floor | p50 late | p99 late | ×floor | max late | wall | allocs/run |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	peers := selected(o)
	peers = append(peers[:1], append([]bench.Peer{bench.FloorDirect()}, peers[1:]...)...)
	for i, p := range peers {
		if p.Name == "periodic" {
			peers = append(peers[:i+1], append([]bench.Peer{bench.PeriodicOnDone()}, peers[i+1:]...)...)
			break
		}
	}
	samples := make([][]bench.Burst, len(peers))
	errs := make([]error, len(peers))
	for range o.burstReps {
		for i, p := range peers {
			r, err := bench.MeasureBurst(p, o.burst, time.Second)
			bench.Clean()
			if err != nil {
				errs[i] = err
				continue
			}
			samples[i] = append(samples[i], r)
		}
	}
	var floor bench.Burst
	for i, p := range peers {
		if len(samples[i]) == 0 {
			fmt.Printf("| %s | error: %v | | | | | | | |\n", p.Name, errs[i])
			continue
		}
		r := medianBurst(samples[i])
		if p.Floor {
			floor = r
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s | %.1f |\n", p.Name, us(r.CPUPer1000),
			ratio(float64(r.CPUPer1000), float64(floor.CPUPer1000)), ms(r.P50), ms(r.P99),
			ratio(float64(r.P99), float64(floor.P99)), ms(r.Max), ms(r.Wall), r.AllocsPerRun)
		switch p.Name {
		case "periodic":
			target("burst CPU per 1,000 runs ≤ 1.0x (Future created and settled)", ratio(float64(r.CPUPer1000), float64(floor.CPUPer1000)), r.CPUPer1000 <= floor.CPUPer1000)
			target("burst p99 lateness ≤ 1.0x", ratio(float64(r.P99), float64(floor.P99)), r.P99 <= floor.P99)
		case "periodic+OnDone":
			info = append(info, fmt.Sprintf("| (not a target) burst CPU per 1,000 runs with every Future read through OnDone | %s | %s |",
				ratio(float64(r.CPUPer1000), float64(floor.CPUPer1000)), ternary(r.CPUPer1000 <= floor.CPUPer1000, "≤ 1.0x", "> 1.0x")))
		}
	}
}

// medianBurst returns the field-wise median of bursts.
func medianBurst(bs []bench.Burst) bench.Burst {
	med := func(f func(bench.Burst) time.Duration) time.Duration {
		xs := make([]time.Duration, len(bs))
		for i, b := range bs {
			xs[i] = f(b)
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	r := bs[0]
	r.CPUPer1000 = med(func(b bench.Burst) time.Duration { return b.CPUPer1000 })
	r.P50 = med(func(b bench.Burst) time.Duration { return b.P50 })
	r.P99 = med(func(b bench.Burst) time.Duration { return b.P99 })
	r.Max = med(func(b bench.Burst) time.Duration { return b.Max })
	r.Wall = med(func(b bench.Burst) time.Duration { return b.Wall })
	return r
}

func drift(o options) {
	fmt.Println("\n## Drift")
	fmt.Printf("\nOne job every 100 ms for %d ticks (robfig: every 1 s for %d ticks, its minimum interval), all contenders at once. Each run's start minus first+k*d: the trend is the least-squares slope of that over the run times its length (drift that accumulates, free of wake-up noise); median, last and max are raw.\n\n", o.ticks, o.robTicks)
	fmt.Println("| contender | every × ticks | trend over the run | median | ×floor | last tick | max abs | ×floor |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	peers := selected(o)
	res := make([]bench.Drift, len(peers))
	errs := make([]error, len(peers))
	var wg sync.WaitGroup
	var anchored bool
	var anchorErr error
	wg.Go(func() { anchored, anchorErr = bench.PeriodicAnchored(100*time.Millisecond, o.ticks) })
	for i, p := range peers {
		n := o.ticks
		if p.Quantum > 0 {
			n = o.robTicks
		}
		wg.Go(func() { res[i], errs[i] = bench.MeasureDrift(p, 100*time.Millisecond, n) })
	}
	wg.Wait()
	floor := res[0]
	for i, p := range peers {
		r := res[i]
		if errs[i] != nil {
			fmt.Printf("| %s | error: %v | | | | | | |\n", p.Name, errs[i])
			continue
		}
		fmt.Printf("| %s | %v × %d | %s | %s | %s | %s | %s | %s |\n", p.Name, r.Every, r.Ticks, ms(r.Trend), ms(r.Median),
			ratio(float64(r.Median), float64(floor.Median)), ms(r.Last), ms(r.Max), ratio(float64(r.Max), float64(floor.Max)))
		if p.Name == "periodic" {
			target(fmt.Sprintf("drift < 1 ms after %d ticks (trend)", r.Ticks), ms(r.Trend), r.Trend < time.Millisecond && r.Trend > -time.Millisecond)
			target(fmt.Sprintf("last of %d ticks starts < 1 ms after its tick", r.Ticks), ms(r.Last), r.Last < time.Millisecond && r.Last > -time.Millisecond)
		}
	}
	switch {
	case anchorErr != nil:
		fmt.Printf("\nperiodic anchoring check: error: %v\n", anchorErr)
		target("ticks exactly anchored (TickFrom == first+k*d)", "error", false)
	default:
		fmt.Printf("\nperiodic: TickFrom of every run == first+k*100ms exactly: %v.\n", anchored)
		target("ticks exactly anchored (TickFrom == first+k*d)", strconv.FormatBool(anchored), anchored)
	}
}

func future(o options) {
	n := 100_000
	if o.quick {
		n = 20_000
	}
	r := bench.MeasureFuture(n)
	fmt.Println("\n## Per-run Future")
	fmt.Printf("\n%d no-op functions started with periodic.Go and awaited, against go statements and a WaitGroup. The burst table above shows the same cost inside the scheduler (periodic against periodic+OnDone).\n\n", n)
	fmt.Println("| way | CPU per 1k runs | ×go | allocs/run |")
	fmt.Println("|---|---:|---:|---:|")
	fmt.Printf("| go + WaitGroup | %s | 1.00x | %.2f |\n", us(r.FloorCPUPer1000), r.FloorAllocsPerRun)
	fmt.Printf("| periodic.Go + Await | %s | %s | %.2f |\n", us(r.GoCPUPer1000), ratio(float64(r.GoCPUPer1000), float64(r.FloorCPUPer1000)), r.GoAllocsPerRun)
}
