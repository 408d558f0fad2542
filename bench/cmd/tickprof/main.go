// Command tickprof measures the cost of one ticking job among idle ones,
// for profiling the dispatcher (issue 14): CPU per tick of each contender,
// in alternating windows of one process, as a ratio to the floor of the
// same run; optionally one contender alone under a CPU profile or a
// runtime trace, or under strace -f -c from outside.
//
//	go run ./cmd/tickprof -every 20ms -windows 6 -window 2s
//	go run ./cmd/tickprof -only periodic -window 10s -cpuprofile cpu.out
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/periodic-go/periodic/bench"
)

func main() {
	var (
		idle       = flag.Int("idle", 100_000, "idle jobs besides the ticking one")
		every      = flag.Duration("every", 100*time.Millisecond, "interval of the ticking job")
		window     = flag.Duration("window", 2*time.Second, "wall time of one window")
		windows    = flag.Int("windows", 5, "windows per contender (alternating)")
		only       = flag.String("only", "", "measure this contender alone (floor, periodic)")
		cpuprofile = flag.String("cpuprofile", "", "write a CPU profile of the windows (with -only)")
		traceOut   = flag.String("trace", "", "write a runtime trace of the windows (with -only)")
	)
	flag.Parse()
	if *windows < 1 || *window <= 0 || *every <= 0 || *idle < 0 {
		log.Fatalf("tickprof: -windows %d, -window %v, -every %v, -idle %d: each must be positive (idle may be 0)", *windows, *window, *every, *idle)
	}
	peers := map[string]bench.Peer{}
	for _, p := range bench.Peers() {
		peers[p.Name] = p
	}
	names := []string{"floor", "periodic"}
	if *only != "" {
		names = []string{*only}
	}
	perTick := make([][]float64, len(names))
	for w := 0; w < *windows; w++ {
		for i, n := range names {
			p, ok := peers[n]
			if !ok {
				log.Fatalf("tickprof: no contender %q", n)
			}
			c, runs := start(p, *idle, *every)
			runtime.GC()
			time.Sleep(*every * 3 / 2)
			stop := profile(*cpuprofile, *traceOut, w, i)
			r0, c0 := runs.Load(), bench.CPUTime()
			time.Sleep(*window)
			c1, r1 := bench.CPUTime(), runs.Load()
			stop()
			c.Stop()
			if r1 > r0 {
				perTick[i] = append(perTick[i], float64((c1-c0).Microseconds())/float64(r1-r0))
			}
		}
	}
	var floor float64
	for i, n := range names {
		s := slices.Clone(perTick[i])
		if len(s) == 0 {
			fmt.Printf("%-9s no tick in any window\n", n)
			continue
		}
		slices.Sort(s)
		med := s[len(s)/2]
		if n == "floor" {
			floor = med
		}
		var ss []string
		for _, v := range perTick[i] {
			ss = append(ss, fmt.Sprintf("%.0f", v))
		}
		ratio := ""
		if floor > 0 {
			ratio = fmt.Sprintf(" %.2fx", med/floor)
		}
		fmt.Printf("%-9s median %6.1f µs CPU/tick%s  [%s]\n", n, med, ratio, strings.Join(ss, " "))
	}
}

// start registers idle jobs and one job every d on p's contender.
func start(p bench.Peer, idle int, d time.Duration) (bench.Contender, *atomic.Int64) {
	runs := new(atomic.Int64)
	c := p.New()
	if !p.AddBeforeStart {
		c.Start()
	}
	quiet := bench.NewTask(func() {})
	for range idle {
		if err := c.Add(bench.IdleEvery, time.Time{}, quiet); err != nil {
			log.Fatal(err)
		}
	}
	if err := c.Add(d, time.Time{}, bench.NewTask(func() { runs.Add(1) })); err != nil {
		log.Fatal(err)
	}
	if p.AddBeforeStart {
		c.Start()
	}
	c.Settle()
	return c, runs
}

// profile starts the CPU profile or trace asked for, for the first window
// of the first contender only, and returns what stops it.
func profile(cpu, tr string, w, i int) func() {
	if w > 0 || i > 0 || (cpu == "" && tr == "") {
		return func() {}
	}
	name := cpu
	if name == "" {
		name = tr
	}
	f, err := os.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	if cpu != "" {
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		return func() { pprof.StopCPUProfile(); f.Close() }
	}
	if err := trace.Start(f); err != nil {
		log.Fatal(err)
	}
	return func() { trace.Stop(); f.Close() }
}
