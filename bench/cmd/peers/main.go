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
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
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
