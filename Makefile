# make test: everything CI runs (the short soak included). make bench: the
# peer comparison. make bench-observe: the cost of OpenTelemetry and
# Prometheus per run. make fuzz: fuzz each target for FUZZTIME. make soak:
# 1,000 jobs on the real clock for SOAKTIME (1s at least), heap and
# goroutines sampled every 10 s, or ten times for a SOAKTIME under 100 s.
# make minversion: the lowest Go versions that the go.mod files declare
# really build and test.
# BENCHFLAGS="-quick", "-only steady -rounds 5", ...: see bench/cmd/peers.

GO        ?= go
MODULES   := . redisstore pgstore bench otel prometheus dashboard/e2e
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME  ?= 60s
SOAKTIME  ?= 3m

.PHONY: test lint unit minversion fuzz bench bench-observe demo screenshot soak

test: lint unit minversion

lint:
	@echo "== gofmt"; out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@set -e; for m in $(MODULES); do \
		[ -f $$m/go.mod ] || continue; \
		echo "== go vet ($$m)"; (cd $$m && $(GO) vet ./...); \
		echo "== staticcheck ($$m)"; (cd $$m && $(STATICCHECK) ./...); \
	done

unit:
	@echo "== go test (core)"; $(GO) test -race -count=1 ./...
	@if [ -f redisstore/go.mod ]; then echo "== go test (redisstore, real redis-server)"; \
		cd redisstore && ../scripts/with-redis.sh $(GO) test -race -count=1 ./...; fi
	@if [ -f pgstore/go.mod ]; then echo "== go test (pgstore, real PostgreSQL)"; \
		cd pgstore && ../scripts/with-postgres.sh $(GO) test -race -count=1 ./...; fi
	@if [ -f bench/go.mod ]; then echo "== go test (bench)"; cd bench && $(GO) test -race -count=1 ./...; fi
	@for m in otel prometheus; do [ -f $$m/go.mod ] || continue; \
		echo "== go test ($$m)"; (cd $$m && $(GO) test -race -count=1 ./...) || exit 1; done
	@if [ -f dashboard/e2e/go.mod ]; then echo "== go test (dashboard/e2e, headless Chromium)"; \
		cd dashboard/e2e && ../../scripts/with-chromium.sh $(GO) test -race -count=1 ./...; fi

# minversion runs the core's tests, and vets every module (its tests
# included), on the exact toolchain its go.mod names as its lowest ("go
# 1.24" is go1.24.0), which GOTOOLCHAIN fetches from the module proxy. Go
# would otherwise quietly build with the newer toolchain that runs make.
minversion:
	@v=$$(sed -n 's/^go //p' go.mod); v=go$$v$$(echo $$v | grep -q '\..*\.' || echo .0); \
		echo "== go test (core) on $$v"; GOWORK=off GOTOOLCHAIN=$$v $(GO) test -race -count=1 ./...
	@set -e; for m in $(MODULES); do \
		v=$$(sed -n 's/^go //p' $$m/go.mod); v=go$$v$$(echo $$v | grep -q '\..*\.' || echo .0); \
		echo "== go vet ($$m) on $$v"; (cd $$m && GOWORK=off GOTOOLCHAIN=$$v $(GO) vet ./...); \
	done

fuzz:
	@for f in $$($(GO) test -list 'Fuzz.*' . | grep '^Fuzz'); do \
		echo "== $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) . || exit 1; \
	done

soak:
	$(GO) test -tags soak -run '^TestSoak$$' -count=1 -timeout 60m -v . -soak.duration $(SOAKTIME)

bench:
	cd bench && $(GO) run ./cmd/peers $(BENCHFLAGS)

bench-observe:
	cd bench && $(GO) run ./cmd/observe

demo:
	$(GO) run ./cmd/demo

# make screenshot: docs/dashboard.png, from the end-to-end test's page.
screenshot:
	cd dashboard/e2e && ../../scripts/with-chromium.sh $(GO) test -count=1 -run 'TestDashboardInChromium$$' . -screenshot $(CURDIR)/docs/dashboard.png
