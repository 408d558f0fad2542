// Command observe measures what watching a scheduler's runs costs: the
// process CPU per run of a burst of runs with OpenTelemetry spans, with
// OpenTelemetry metrics, with both, and with the Prometheus collector,
// against the same burst with no instrumentation, measured in one process
// with the variants interleaved, and prints a Markdown table of the
// medians with their ratio to the uninstrumented burst.
//
// Usage (inside bench/):
//
//	go run ./cmd/observe              # 10,000 runs a burst, 7 bursts each
//	go run ./cmd/observe -n 2000 -reps 3
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/periodic-go/periodic/bench"
)

func main() {
	n := flag.Int("n", 10_000, "runs per burst")
	reps := flag.Int("reps", 7, "bursts per variant, interleaved; the median is reported")
	period := flag.Duration("period", 2*time.Second, "time between the warm-up burst and the measured one")
	flag.Parse()
	obs := bench.Observers()
	got := make([][]bench.Observed, len(obs))
	for range *reps {
		for i, o := range obs {
			m, err := bench.MeasureObserve(o, *n, *period)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			got[i] = append(got[i], m)
		}
	}
	fmt.Printf("Burst of %d runs of a job doing nothing, median of %d bursts per variant, interleaved.\n\n", *n, *reps)
	fmt.Println("| instrumentation | CPU per run | ratio to none | allocs per run | bytes per run |")
	fmt.Println("|---|---:|---:|---:|---:|")
	base := median(got[0])
	for i, o := range obs {
		m := median(got[i])
		fmt.Printf("| %s | %.2f µs | %.2fx | %.1f | %.0f |\n", o.Name, float64(m.CPUPerRun)/1e3,
			float64(m.CPUPerRun)/float64(base.CPUPerRun), m.AllocsPerRun, m.BytesPerRun)
	}
}

// median returns the burst of median CPU per run.
func median(ms []bench.Observed) bench.Observed {
	s := slices.Clone(ms)
	slices.SortFunc(s, func(a, b bench.Observed) int { return int(a.CPUPerRun - b.CPUPerRun) })
	return s[len(s)/2]
}
