// Command peers compares periodic with gocron v2, robfig/cron v3, a floor
// of bare time.AfterFunc timers and the naive port of the seed, in one
// process, and prints Markdown tables in which every figure comes with its
// ratio to the floor measured in the same run.
//
// Usage (inside bench/):
//
//	go run ./cmd/peers          # the default run, about five minutes on 2 cores
//	go run ./cmd/peers -quick   # smaller sizes, fewer rounds, under two minutes
//	go run ./cmd/peers -only steady -steady-n 10000 -rounds 5 -b2b 3
package main

import (
	"bufio"
	"cmp"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/periodic-go/periodic/bench"
)

// maxRegister and maxMemory bound one idle measurement: a contender whose
// projected cost at a size exceeds either is skipped at that size.
const (
	maxRegister = 60 * time.Second
	maxMemory   = 8 << 30
)

type options struct {
	quick     bool
	sizes     []int
	window    time.Duration
	tickIdle  int
	burst     int
	ticks     int
	robTicks  int
	reps      int
	burstReps int
	peers     map[string]bool

	steadyN, steadyTicks    int
	steadyEvery             time.Duration
	steadyRounds, b2bRounds int
}

func main() {
	var o options
	var sizes, peers, only string
	flag.BoolVar(&o.quick, "quick", false, "smaller sizes and shorter windows")
	flag.StringVar(&sizes, "sizes", "", "idle sizes, comma-separated (default 10000,100000,1000000; -quick 10000,100000)")
	flag.StringVar(&peers, "peers", "", "contenders to run besides the floor, comma-separated (default all)")
	flag.StringVar(&only, "only", "", "sections to run, comma-separated, from "+sectionList+" (default idle,tick,steady,drift)")
	flag.IntVar(&o.reps, "reps", 0, "windows of the tick section and single bursts per contender, the median reported (default 3; -quick 1)")
	flag.IntVar(&o.steadyN, "steady-n", 10_000, "jobs of the steady bursts")
	flag.IntVar(&o.steadyTicks, "steady-ticks", 5, "ticks of each job in the steady bursts")
	flag.DurationVar(&o.steadyEvery, "steady-every", time.Second, "interval of the steady bursts (at least 1s for robfig)")
	flag.IntVar(&o.steadyRounds, "rounds", -1, "interleaved rounds of the steady bursts (default 3; -quick 2)")
	flag.IntVar(&o.b2bRounds, "b2b", -1, "back-to-back runs per contender of the steady bursts (default 2; -quick 1)")
	flag.Parse()
	reps := o.reps
	o.sizes, o.window, o.tickIdle, o.burst, o.ticks, o.robTicks, o.reps = []int{100_000, 1_000_000}, 2*time.Second, 100_000, 10_000, 50, 10, 3
	o.burstReps = 5
	rounds, b2b := 3, 2
	if o.quick {
		o.sizes, o.window, o.ticks, o.robTicks, o.reps, o.burstReps = []int{10_000, 100_000}, time.Second, 20, 3, 1, 1
		rounds, b2b = 2, 1
	}
	if o.steadyRounds < 0 {
		o.steadyRounds = rounds
	}
	if o.b2bRounds < 0 {
		o.b2bRounds = b2b
	}
	if o.steadyN < 1 || o.steadyTicks < 1 || o.steadyEvery <= 0 {
		fmt.Fprintf(os.Stderr, "peers: -steady-n %d, -steady-ticks %d and -steady-every %v must be positive\n", o.steadyN, o.steadyTicks, o.steadyEvery)
		os.Exit(2)
	}
	if reps > 0 {
		o.reps, o.burstReps = reps, reps
	}
	if sizes != "" {
		o.sizes = nil
		for _, f := range strings.Split(sizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				fmt.Fprintf(os.Stderr, "peers: bad size %q\n", f)
				os.Exit(2)
			}
			o.sizes = append(o.sizes, n)
		}
	}
	if peers != "" {
		o.peers = map[string]bool{"floor": true}
		for _, f := range strings.Split(peers, ",") {
			o.peers[strings.TrimSpace(f)] = true
		}
	}
	start := time.Now()
	header(o)
	for _, sec := range []struct {
		name string
		run  func(options)
	}{{"idle", idle}, {"tick", tick}, {"steady", steady}, {"burst", burst}, {"drift", drift}, {"future", future}} {
		if only == "" {
			only = "idle,tick,steady,drift"
		}
		if strings.Contains(","+only+",", ","+sec.name+",") {
			sec.run(o)
		}
	}
	fmt.Printf("\nTotal run time: %v. Load average at the end: %s.\n", time.Since(start).Round(time.Second), loadAvg())
	printTargets()
}

// selected returns the peers to run, the floor first.
func selected(o options) []bench.Peer {
	var ps []bench.Peer
	for _, p := range bench.Peers() {
		if o.peers == nil || o.peers[p.Name] {
			ps = append(ps, p)
		}
	}
	return ps
}

func header(o options) {
	mode := "full"
	if o.quick {
		mode = "quick"
	}
	fmt.Printf("# periodic vs peers (%s run, %s)\n\n", mode, time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Printf("Machine: %d CPUs (GOMAXPROCS %d), %s, %s %s/%s.\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("Load average at start: %s.\n", loadAvg())
	fmt.Println("Every ratio is to the floor (bare time.AfterFunc timers re-armed at start+k*d, `go fn()` in the callback) measured in this run.")
}

// loadAvg returns the system's 1, 5 and 15 minute load averages: other
// processes on the machine skew CPU and lateness figures.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// cpuModel returns the processor's model name, if the system says.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// ratio formats a/b as "1.23x", or "n/a" when b is zero.
func ratio(a, b float64) string {
	if b == 0 {
		if a == 0 {
			return "1.00x"
		}
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/1e3) }
func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/1e6) }

// targets collects the verdicts printed at the end, info the figures
// printed with them that are not targets.
var targets, info []string

func ternary(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

func target(name, value string, ok bool) {
	verdict := "met"
	if !ok {
		verdict = "**missed**"
	}
	targets = append(targets, fmt.Sprintf("| %s | %s | %s |", name, value, verdict))
}

func printTargets() {
	fmt.Println("\n## Targets (periodic, ratios to the floor)")
	fmt.Println()
	fmt.Println("| target | periodic | verdict |")
	fmt.Println("|---|---|---|")
	for _, t := range append(targets, info...) {
		fmt.Println(t)
	}
}

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
