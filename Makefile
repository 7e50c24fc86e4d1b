# Continuo. `make demo` runs the Swan Lake drive on a private bus; `make test`
# runs every test (needs the Debian packages listed in README.md).

GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
SHARED   ?= ../shared/data
OUT      ?= out

.PHONY: all build test bench demo lint fuzz catalog full-catalog eval eval-drives compare-sima footprint clean

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

# Short fuzz runs of every fuzz target (go test allows one target per run).
FUZZTIME ?= 10s
fuzz:
	@for pkg in $$($(GO) list ./internal/...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Regenerate the embedded default catalog from the shared datasets.
catalog:
	$(GO) run ./internal/catalog/cmd/mkdefault -data $(SHARED) -out internal/catalog/default.snap.gz -playlists testdata/catalog/playlists.csv

# The full catalog snapshot (~151k tracks) from every shared dataset.
full-catalog: build
	@mkdir -p $(OUT)
	$(BIN)/continuoctl catalog build --out $(OUT)/full.catalog \
	  $(SHARED)/tracks_multigenre.csv $(SHARED)/spotify_songs_playlists.csv \
	  $(SHARED)/spotify_artist_genres_w_features.csv $(SHARED)/spotify_genre_audio_features.csv \
	  $(SHARED)/raw/richard-ch__Spotify-Popularity-Predictor \
	  $(SHARED)/raw/Cristhianrg1__spotify_song_popularity_prediction
	$(BIN)/continuoctl catalog inspect $(OUT)/full.catalog | head -20

eval: build
	$(BIN)/continuoctl eval

# Long-drive evaluation (issue 10, docs/eval-drives.md): the test half of the
# requests on the embedded catalog, and on $(OUT)/full.catalog when it exists.
eval-drives: build
	$(BIN)/continuoctl eval --drives
	@if [ -f $(OUT)/full.catalog ]; then $(BIN)/continuoctl eval --drives --catalog $(OUT)/full.catalog; fi

# mpd-sima 0.18.2's offline Genre plugin and continuod side by side on one
# generated, tagged MPD library and the same seeds: both queues and their
# genre coherence. Not in CI; installs mpd-sima from Debian when missing.
compare-sima:
	@command -v mpd-sima >/dev/null 2>&1 || $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y mpd-sima
	CONTINUO_COMPARE_SIMA=1 $(GO) test -count=1 -timeout 10m -run '^TestCompareSima$$' -v ./internal/daemon/

# What continuod costs a head unit (docs/footprint.md): start → bus name, RSS at
# name, after 1,000 Recommend and under a 50-client load, Recommend p50/p99,
# written bytes per track played, beside a floor process, on a private bus.
# Settings: FOOTPRINT_CATALOG (the full snapshot), FOOTPRINT_STARTS (10),
# FOOTPRINT_CALLS (1000), FOOTPRINT_CLIENTS (50), FOOTPRINT_LOAD (60s),
# FOOTPRINT_TRACKS (100), FOOTPRINT_SPEED (600), e.g. make footprint FOOTPRINT_LOAD=10s
FOOTPRINT_CATALOG ?= $(OUT)/full.catalog
export FOOTPRINT_STARTS FOOTPRINT_CALLS FOOTPRINT_CLIENTS FOOTPRINT_LOAD FOOTPRINT_TRACKS FOOTPRINT_SPEED
footprint: build
	CONTINUO_FOOTPRINT=1 FOOTPRINT_BIN=$(abspath $(BIN)) FOOTPRINT_CATALOG=$(abspath $(FOOTPRINT_CATALOG)) \
	  $(GO) test -count=1 -timeout 60m -run '^TestFootprint$$' -v ./internal/footprint/

clean:
	rm -rf $(BIN) $(OUT)
