# Continuo. `make demo` runs the Swan Lake drive on a private bus; `make test`
# runs every test (needs the Debian packages listed in README.md).

GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
SHARED   ?= ../shared/data
OUT      ?= out

.PHONY: all build test bench demo lint fuzz catalog full-catalog eval compare-sima clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/continuod ./cmd/continuoctl ./cmd/continuo-emu

test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 25m ./...

# Benchmarks: engine, catalog load, history, search, D-Bus round trip, queue latency.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

# The main job: a private bus, continuod with its embedded catalog and a
# temporary database, the emulator, and the Swan Lake drive.
demo: build
	@mkdir -p $(OUT)
	@tmp=$$(mktemp -d); \
	dbus-run-session -- sh -c '\
	  $(BIN)/continuod --config configs/demo.toml --db "$$0/history.db" 2>"$$0/continuod.log" & dpid=$$!; \
	  $(BIN)/continuo-emu --speed 240 --wait-daemon 20s --script testdata/drives/swan-lake.drive --plot $(OUT)/swan-lake.svg; rc=$$?; \
	  kill -TERM $$dpid; wait $$dpid; exit $$rc' "$$tmp"; rc=$$?; \
	echo "plot: $(OUT)/swan-lake.svg   daemon log: $$tmp/continuod.log"; exit $$rc

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint:
	$(GO) vet ./...
	gofmt -l cmd internal | (! grep .)
	$(GO) run $(STATICCHECK) ./...
	sh systemd/verify.sh

# Fuzz every target for FUZZTIME (go test fuzzes one target per run) and
# report all failures at the end, so one failing target does not hide the
# others. The Go fuzzing coordinator sometimes gives up on a loaded machine
# with "context deadline exceeded" and no failing input: such a run is
# retried once. Each new input the fuzzer finds is minimised first, for up
# to FUZZMINTIME (Go's default is 60 s, which took whole 10 s runs of the
# CSV parsers: 16-69 inputs run). Nightly-style run:
#   make fuzz FUZZTIME=5m FUZZMINTIME=60s   (about 2 h)
# One package: make fuzz FUZZPKGS=./internal/history.
FUZZTIME    ?= 10s
FUZZMINTIME ?= 1s
FUZZPKGS    ?= ./internal/...
fuzz:
	@failed=""; log=$$(mktemp); \
	for pkg in $$($(GO) list $(FUZZPKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    for try in 1 2; do \
	      echo "== $$pkg $$f (try $$try)"; \
	      { $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINTIME) $$pkg 2>&1; echo "rc=$$?"; } | tee $$log; \
	      grep -q '^rc=0$$' $$log && break; \
	      if [ $$try = 1 ] && grep -q 'context deadline exceeded' $$log && ! grep -q 'Failing input written' $$log; then \
	        echo "== $$f: fuzzing coordinator timed out without a finding; retrying once"; continue; \
	      fi; \
	      failed="$$failed $$pkg.$$f"; break; \
	    done; \
	  done; \
	done; rm -f $$log; \
	if [ -n "$$failed" ]; then echo "FUZZ FAILURES:"; for f in $$failed; do echo "  $$f"; done; exit 1; fi; \
	echo "fuzz: every target passed ($(FUZZTIME) each)"

# Regenerate the embedded default catalog from the shared datasets.
catalog:
	$(GO) run ./internal/catalog/cmd/mkdefault -data $(SHARED) -out internal/catalog/default.snap.gz -playlists testdata/catalog/playlists.csv

# The full catalog snapshot (~151k tracks) from every shared dataset.
full-catalog: build
	@mkdir -p $(OUT)
	$(BIN)/continuoctl catalog build --out $(OUT)/full.catalog \
	  $(SHARED)/tracks_multigenre.csv $(SHARED)/spotify_songs_playlists.csv \
	  $(SHARED)/spotify_artist_genres_w_features.csv $(SHARED)/spotify_genre_audio_features.csv \
	  $(SHARED)/raw/richard-ch__Spotify-Popularity-Predictor
	$(BIN)/continuoctl catalog inspect $(OUT)/full.catalog | head -20

eval: build
	$(BIN)/continuoctl eval

# mpd-sima 0.18.2's offline Genre plugin and continuod side by side on one
# generated, tagged MPD library and the same seeds: both queues and their
# genre coherence. Not in CI; installs mpd-sima from Debian when missing.
compare-sima:
	@command -v mpd-sima >/dev/null 2>&1 || $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y mpd-sima
	CONTINUO_COMPARE_SIMA=1 $(GO) test -count=1 -timeout 10m -run '^TestCompareSima$$' -v ./internal/daemon/

clean:
	rm -rf $(BIN) $(OUT)
