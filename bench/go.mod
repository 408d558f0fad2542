module github.com/periodic-go/periodic/bench

go 1.25.0

require (
	github.com/go-co-op/gocron/v2 v2.21.2
	github.com/periodic-go/periodic v0.0.0-00010101000000-000000000000
	github.com/periodic-go/periodic/otel v0.0.0-00010101000000-000000000000
	github.com/periodic-go/periodic/prometheus v0.0.0-00010101000000-000000000000
	github.com/robfig/cron/v3 v3.0.1
	go.opentelemetry.io/otel/metric v1.46.0
	go.opentelemetry.io/otel/sdk v1.46.0
	go.opentelemetry.io/otel/sdk/metric v1.46.0
	go.opentelemetry.io/otel/trace v1.46.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/benbjohnson/clock v1.3.5 // indirect
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/go-logr/logr v1.4.4 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/jonboulle/clockwork v0.5.0 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/prometheus/client_golang v1.24.1 // indirect
	github.com/prometheus/client_model v0.6.2 // indirect
	github.com/prometheus/common v0.70.1 // indirect
	github.com/prometheus/procfs v0.21.1 // indirect
	go.opentelemetry.io/auto/sdk v1.2.1 // indirect
	go.opentelemetry.io/otel v1.46.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)

replace github.com/periodic-go/periodic => ../

replace github.com/periodic-go/periodic/otel => ../otel

replace github.com/periodic-go/periodic/prometheus => ../prometheus
