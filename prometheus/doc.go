// Package periodicprom exports the runs of a periodic scheduler as
// Prometheus metrics.
package periodicprom
