package bench

import (
	"testing"
	"time"
)

// TestObserveSmoke runs every Observer on a tiny burst, to keep the
// harness working; it asserts no timing.
func TestObserveSmoke(t *testing.T) {
	for _, o := range Observers() {
		got, err := MeasureObserve(o, 50, 250*time.Millisecond)
		if err != nil {
			t.Fatalf("%s: %v", o.Name, err)
		}
		if got.N != 50 {
			t.Fatalf("%s: measured %d runs, want 50", o.Name, got.N)
		}
	}
}

// BenchmarkObserve measures the CPU per run of a burst of 10,000 runs
// watched by each Observer (see MeasureObserve), one burst per iteration:
// compare each cpu-ns/run with that of "none"; cmd/observe prints the
// ratios from one process run.
func BenchmarkObserve(b *testing.B) {
	const n = 10_000
	for _, o := range Observers() {
		b.Run(o.Name, func(b *testing.B) {
			b.ReportAllocs()
			var cpu time.Duration
			var allocs float64
			for range b.N {
				got, err := MeasureObserve(o, n, 2*time.Second)
				if err != nil {
					b.Fatal(err)
				}
				cpu += got.CPUPerRun
				allocs += got.AllocsPerRun
			}
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/run")
			b.ReportMetric(allocs/float64(b.N), "allocs/run")
		})
	}
}
