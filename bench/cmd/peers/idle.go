// This file holds the idle section of the peer comparison: heap per idle
// job, CPU per second, and Stop/Shutdown of many idle jobs.

package main

import (
	"fmt"
	"time"

	"github.com/periodic-go/periodic/bench"
)

func idle(o options) {
	fmt.Println("\n## Idle footprint")
	fmt.Printf("\nJobs every %v, none due while measured; the scheduler started. Heap: HeapAlloc after GC, after minus before, per job; stack: StackInuse likewise. Register: adding and arming every job (robfig: added before Start, then Start, because a running Cron re-sorts all entries after each Add). Stop: the wall time of stopping the contender with every job idle (periodic: Shutdown), and the process CPU over it.\n", bench.IdleEvery)
	last := map[string]bench.Idle{}
	for _, n := range o.sizes {
		fmt.Printf("\n### %d jobs\n\n", n)
		fmt.Println("| contender | heap B/job | ×floor | stack B/job | allocs/job | goroutines/job | register ns/job | ×floor | Stop (shutdown) | ×floor | Stop CPU |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		var floor bench.Idle
		for _, p := range selected(o) {
			if why := skipIdle(last[p.Name], n); why != "" {
				fmt.Printf("| %s | skipped: %s | | | | | | | | | |\n", p.Name, why)
				continue
			}
			r, err := bench.MeasureIdle(p, n)
			if err != nil {
				fmt.Printf("| %s | error: %v | | | | | | | | | |\n", p.Name, err)
				continue
			}
			last[p.Name] = r
			if p.Floor {
				floor = r
			}
			fmt.Printf("| %s | %.0f | %s | %.0f | %.2f | %.3f | %d | %s | %s | %s | %s |\n", p.Name,
				r.HeapPerJob, ratio(r.HeapPerJob, floor.HeapPerJob), r.StackPerJob, r.AllocsPerJob,
				r.GoroutinesPerJob, r.RegPerJob.Nanoseconds(), ratio(float64(r.RegPerJob), float64(floor.RegPerJob)),
				ms(r.Shutdown), ratio(float64(r.Shutdown), float64(floor.Shutdown)), ms(r.ShutdownCPU))
			if p.Name == "periodic" {
				idleTargets(n, r, floor)
			}
		}
	}
}

func idleTargets(n int, r, floor bench.Idle) {
	if n < 100_000 {
		return
	}
	target(fmt.Sprintf("heap per idle job ≤ 1.0x (%d jobs)", n), ratio(r.HeapPerJob, floor.HeapPerJob), r.HeapPerJob <= floor.HeapPerJob)
	if n >= 1_000_000 {
		target(fmt.Sprintf("heap per idle job ≤ 200 B (%d jobs)", n), fmt.Sprintf("%.0f B (%s)", r.HeapPerJob, ratio(r.HeapPerJob, floor.HeapPerJob)), r.HeapPerJob <= 200)
		target(fmt.Sprintf("Shutdown of %d idle jobs ≤ 50 ms", n), fmt.Sprintf("%s (%s)", ms(r.Shutdown), ratio(float64(r.Shutdown), float64(floor.Shutdown))), r.Shutdown <= 50*time.Millisecond)
	}
	target(fmt.Sprintf("0 goroutines per idle job (%d jobs)", n), fmt.Sprintf("%.4f", r.GoroutinesPerJob), r.GoroutinesPerJob*float64(n) < 2)
	if n == 100_000 {
		target("registration of 100k jobs ≤ 1.0x", ratio(float64(r.RegPerJob), float64(floor.RegPerJob)), r.RegPerJob <= floor.RegPerJob)
	}
}

// skipIdle says why a contender is skipped at n, from its cost at the
// previous size, or "" to run it.
func skipIdle(prev bench.Idle, n int) string {
	if prev.N == 0 {
		return ""
	}
	if t := prev.RegPerJob * time.Duration(n); t > maxRegister {
		return fmt.Sprintf("registering would take ~%v (> %v) at %v/job", t.Round(time.Second), maxRegister, prev.RegPerJob)
	}
	if m := (prev.HeapPerJob + prev.StackPerJob) * float64(n); m > maxMemory {
		return fmt.Sprintf("would need ~%.1f GiB (> %d GiB)", m/(1<<30), maxMemory>>30)
	}
	return ""
}
