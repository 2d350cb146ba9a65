# Capstan — the two commands that matter: `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libgit2-dev libcurl4-openssl-dev libsqlite3-dev pkg-config git ca-certificates python3 python3-yaml python3-jsonschema haproxy prometheus wrk curl
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CAPSTAN := .build/debug/capstan

.PHONY: deps build test demo bench clean

## Install the Debian packages that are missing (as root or through sudo).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all present"; fi

build: deps
	$(SWIFT) build

## Unit and integration tests first, then the end-to-end suites on their own: those start real servers,
## HAProxy, Prometheus and load generators, and measure traffic shares that a machine saturated by
## hundreds of parallel tests would distort (health checks time out, servers flap).
test: build
	$(SWIFT) test --skip CapstanEndToEndTests
	@# One end-to-end suite at a time: a load test's 200 followers and webhook flood, or a crash harness,
	@# beside a suite that measures traffic shares would distort them. All run; the status is any failure's.
	@suites=$$($(SWIFT) test list --skip-build | sed -n 's/^CapstanEndToEndTests\.\([A-Za-z0-9]*\)\/.*/\1/p' | sort -u); \
	[ -n "$$suites" ] || { echo "no end-to-end suites found"; exit 1; }; \
	status=0; for suite in $$suites; do \
	  echo "== end to end: $$suite"; \
	  $(SWIFT) test --skip-build --filter "CapstanEndToEndTests.$$suite/" || status=1; \
	done; exit $$status

## Validate and plan the examples, then a real canary: Prometheus, HAProxy, capstan serve; a good v2 promoted, a bad v3 rolled back.
demo: build
	@scripts/demo.sh $(CAPSTAN)
	@scripts/demo-serve.sh .build/debug

## Benchmarks, built in release mode; figures are ratios against a baseline measured in the same run.
## The stage-overhead scenario runs the null plugin, and the start-up scenario the capstan binary, which
## capstan-bench finds beside itself.
bench: deps
	$(SWIFT) build -c release --product capstan-bench
	$(SWIFT) build -c release --product capstan-plugin-null
	$(SWIFT) build -c release --product capstan
	.build/release/capstan-bench --output bench/results.json

clean:
	rm -rf .build
