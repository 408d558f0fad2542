# make test: everything CI runs. make bench: the peer comparison
# (BENCHFLAGS="-quick", "-only steady -rounds 5", ...: see bench/cmd/peers).
# make fuzz: fuzz each target for FUZZTIME.

GO        ?= go
MODULES   := . redislock bench dashboard/e2e
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME  ?= 60s

.PHONY: test lint unit fuzz bench demo screenshot

test: lint unit

lint:
	@echo "== gofmt"; out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@set -e; for m in $(MODULES); do \
		[ -f $$m/go.mod ] || continue; \
		echo "== go vet ($$m)"; (cd $$m && $(GO) vet ./...); \
		echo "== staticcheck ($$m)"; (cd $$m && $(STATICCHECK) ./...); \
	done

unit:
	@echo "== go test (core)"; $(GO) test -race -count=1 ./...
	@if [ -f redislock/go.mod ]; then echo "== go test (redislock, real redis-server)"; \
		cd redislock && ../scripts/with-redis.sh $(GO) test -race -count=1 ./...; fi
	@if [ -f bench/go.mod ]; then echo "== go test (bench)"; cd bench && $(GO) test -race -count=1 ./...; fi
	@if [ -f dashboard/e2e/go.mod ]; then echo "== go test (dashboard/e2e, headless Chromium)"; \
		cd dashboard/e2e && ../../scripts/with-chromium.sh $(GO) test -race -count=1 ./...; fi

fuzz:
	@for f in $$($(GO) test -list 'Fuzz.*' . | grep '^Fuzz'); do \
		echo "== $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) . || exit 1; \
	done

bench:
	cd bench && $(GO) run ./cmd/peers $(BENCHFLAGS)

demo:
	$(GO) run ./cmd/demo

# make screenshot: docs/dashboard.png, from the end-to-end test's page.
screenshot:
	cd dashboard/e2e && ../../scripts/with-chromium.sh $(GO) test -count=1 -run 'TestDashboardInChromium$$' . -screenshot $(CURDIR)/docs/dashboard.png
