package periodicprom

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/prometheus/client_golang/prometheus"
)

// Buckets are the default boundaries, in seconds, of the run duration and
// start lateness histograms: from 5 ms to an hour, for jobs of any period.
// New copies them: changing Buckets later changes no Collector made
// before.
var Buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600}

// Option configures a Collector.
type Option func(*config)

// config is what the options set.
type config struct {
	buckets  []float64
	jobLabel string
	err      error
}

// WithBuckets sets the histogram boundaries, in seconds, increasing. The
// default is Buckets.
func WithBuckets(b ...float64) Option {
	return func(c *config) {
		if !increasing(b) {
			c.err = fmt.Errorf("periodicprom: WithBuckets(%v): need at least one boundary, strictly increasing", b)
			return
		}
		c.buckets = slices.Clone(b)
	}
}

// WithJobLabel names the label that carries the job's name; the default
// is "job". Prometheus sets its own "job" label on every scraped series
// (the scrape job's name): with honor_labels: false, the default, the
// server renames the Collector's label to exported_job; with
// honor_labels: true, the Collector's value replaces the scrape job's.
// Pass another name, such as "job_name", to keep both as they are. The
// name must be a valid Prometheus label name, not reserved (a leading
// "__") and not "outcome".
func WithJobLabel(name string) Option {
	return func(c *config) {
		if !validLabel(name) || strings.HasPrefix(name, "__") || name == "outcome" {
			c.err = fmt.Errorf("periodicprom: WithJobLabel(%q): need a label name [a-zA-Z_][a-zA-Z0-9_]*, not reserved (__*) nor \"outcome\"", name)
			return
		}
		c.jobLabel = name
	}
}

// Collector is a prometheus.Collector of the runs of one scheduler:
//
//	periodic_runs_total{job,outcome}              counter: runs that ended, and ticks skipped
//	periodic_run_duration_seconds{job,outcome}    histogram: start to return
//	periodic_run_start_lateness_seconds{job}      histogram: tick to start
//	periodic_runs_in_flight{job}                  gauge: started, not returned
//	periodic_misfired_ticks_total{job}            counter: ticks released past the misfire grace
//	periodic_dropped_ticks_total{job}             counter: late ticks never run
//	periodic_next_run_timestamp_seconds{job}      gauge: Unix time of the job's next run
//
// The outcomes are those of periodic.Event.Outcome (the periodic.Outcome
// constants): succeeded, failed, cancelled, skipped, claimed_elsewhere,
// store_error. A tick another replica claimed did not run here: it counts
// in periodic_runs_total and nowhere else, except that
// periodic_runs_in_flight counts it while its claim is decided (BeforeRun
// comes before the claim). Start lateness is recorded as a run ends, and
// not for the runs of a Backfill, whose ticks are past times the caller
// chose. A job name that is not valid UTF-8 has its bad bytes replaced by
// U+FFFD in the label (Prometheus's label values are UTF-8).
//
// The job label is named "job" unless WithJobLabel says otherwise; see
// there how it meets the server's own job label. Series are never
// removed by themselves: after removing a job, call Forget with its name,
// or the series stay, at their last values, for the life of the
// Collector. Give the Collector's
// Hooks to periodic.New with periodic.WithHooks, call Observe with the
// scheduler for the next-run gauge, and register it with a
// prometheus.Registerer. For several schedulers in one registry, make a
// Collector for each and register each through
// prometheus.WrapRegistererWith with a label that tells them apart.
//
// A Collector is safe for use by several goroutines. The zero value is not
// usable; create one with New.
type Collector struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	lateness *prometheus.HistogramVec
	inFlight *prometheus.GaugeVec
	misfired *prometheus.CounterVec
	dropped  *prometheus.CounterVec
	nextRun  *prometheus.Desc
	jobLabel string // WithJobLabel's name, or "job"

	// mu guards sched.
	mu    sync.Mutex
	sched *periodic.Scheduler
}

// New returns a Collector with no scheduler to observe yet. A bad option
// is an error that names it.
func New(opts ...Option) (*Collector, error) {
	cfg := config{buckets: slices.Clone(Buckets), jobLabel: "job"}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.err != nil {
		return nil, cfg.err
	}
	job, byOutcome := []string{cfg.jobLabel}, []string{cfg.jobLabel, "outcome"}
	return &Collector{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "periodic_runs_total",
			Help: "Runs that ended, and ticks that were skipped, by job and outcome."}, byOutcome),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "periodic_run_duration_seconds",
			Help: "How long runs took from start to return, by job and outcome.", Buckets: cfg.buckets}, byOutcome),
		lateness: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "periodic_run_start_lateness_seconds",
			Help: "How late runs started after their tick, by job.", Buckets: cfg.buckets}, job),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "periodic_runs_in_flight",
			Help: "Runs started and not yet returned, by job."}, job),
		misfired: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "periodic_misfired_ticks_total",
			Help: "Ticks released later than the misfire grace, by job."}, job),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "periodic_dropped_ticks_total",
			Help: "Late ticks never run (past the catch-up window, or not run by the misfire policy), by job."}, job),
		nextRun: prometheus.NewDesc("periodic_next_run_timestamp_seconds",
			"When the job runs next, in seconds since the Unix epoch; absent while paused or when it will not run again.",
			job, nil),
		jobLabel: cfg.jobLabel,
	}, nil
}

// Hooks returns the hooks that feed the Collector. Pass them with
// periodic.WithHooks, which keeps any other hooks given.
func (c *Collector) Hooks() periodic.Hooks {
	return periodic.Hooks{BeforeRun: c.started, AfterRun: c.finished, OnSkip: c.skipped, OnMisfire: c.misfire}
}

// Observe makes the Collector report s's jobs in
// periodic_next_run_timestamp_seconds, read from s.Jobs at each scrape.
// A later call replaces s; nil stops reporting.
func (c *Collector) Observe(s *periodic.Scheduler) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sched = s
}

// Describe sends the descriptions of every metric of the Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, v := range c.vecs() {
		v.Describe(ch)
	}
	ch <- c.nextRun
}

// Collect sends the current value of every metric. The next run times
// come from the observed scheduler's Jobs, which takes its lock briefly.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, v := range c.vecs() {
		v.Collect(ch)
	}
	c.mu.Lock()
	s := c.sched
	c.mu.Unlock()
	if s == nil {
		return
	}
	for _, j := range s.Jobs() {
		if !j.NextRun.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.nextRun, prometheus.GaugeValue, unixSeconds(j.NextRun), label(j.Name))
		}
	}
}

// Forget deletes the series of the named job from every metric the hooks
// feed, as after Job.Remove; the next-run gauge follows the observed
// scheduler's jobs by itself. A run of the job still in flight comes back
// when it ends, with in flight at -1: call Forget after the job's runs
// have returned (Scheduler.WaitIdle, or the job's last future). It
// reports whether any series was deleted.
func (c *Collector) Forget(job string) bool {
	labels := prometheus.Labels{c.jobLabel: label(job)}
	n := 0
	for _, v := range []interface {
		DeletePartialMatch(prometheus.Labels) int
	}{c.runs, c.duration, c.lateness, c.inFlight, c.misfired, c.dropped} {
		n += v.DeletePartialMatch(labels)
	}
	return n > 0
}

// vecs are the Collector's metrics fed by its hooks.
func (c *Collector) vecs() []prometheus.Collector {
	return []prometheus.Collector{c.runs, c.duration, c.lateness, c.inFlight, c.misfired, c.dropped}
}

// started is the BeforeRun hook: one more run in flight. It comes before
// the tick is claimed.
func (c *Collector) started(e periodic.Event) {
	c.inFlight.WithLabelValues(label(e.Job)).Inc()
}

// finished is the AfterRun hook: the run counts under its outcome and
// leaves the runs in flight; its duration and start lateness are
// recorded, except for a tick claimed elsewhere (the outcome only), and
// the lateness of a Backfill's run.
func (c *Collector) finished(e periodic.Event) {
	job, o := label(e.Job), e.Outcome()
	c.runs.WithLabelValues(job, o).Inc()
	if o != periodic.OutcomeClaimedElsewhere {
		c.duration.WithLabelValues(job, o).Observe(e.Duration.Seconds())
		if !e.Backfill {
			c.lateness.WithLabelValues(job).Observe(e.Start.Sub(e.Tick).Seconds())
		}
	}
	c.inFlight.WithLabelValues(job).Dec()
}

// skipped is the OnSkip hook.
func (c *Collector) skipped(e periodic.Event) {
	c.runs.WithLabelValues(label(e.Job), e.Outcome()).Inc()
}

// misfire is the OnMisfire hook.
func (c *Collector) misfire(e periodic.Event) {
	job := label(e.Job)
	c.misfired.WithLabelValues(job).Add(float64(e.Missed))
	if e.Dropped > 0 {
		c.dropped.WithLabelValues(job).Add(float64(e.Dropped))
	}
}

// label returns the job's name as a label value: valid UTF-8, its bad
// bytes replaced by U+FFFD (WithLabelValues panics on others, and a
// scrape fails on them).
func label(job string) string { return strings.ToValidUTF8(job, "\uFFFD") }

// validLabel reports whether name matches [a-zA-Z_][a-zA-Z0-9_]*,
// Prometheus's label names.
func validLabel(name string) bool {
	for i, r := range name {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return name != ""
}

// unixSeconds returns t in seconds since the Unix epoch.
func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// increasing reports whether b has at least one value and each is above
// the one before.
func increasing(b []float64) bool {
	for i := 1; i < len(b); i++ {
		if !(b[i] > b[i-1]) {
			return false
		}
	}
	return len(b) > 0
}
