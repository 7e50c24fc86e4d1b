package history

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/continuo/continuo/internal/music"
)

// FuzzRecordExport feeds arbitrary strings from a player (title, artist,
// genres, URL, track id) and a driver (profile name) through Record, Recent
// and Export: each input is stored (as valid UTF-8, bounded) or rejected
// with KindInvalid, never a panic, and Export always writes valid JSON.
func FuzzRecordExport(f *testing.F) {
	for _, seed := range []struct{ profile, track, title, artist, genres, url string }{
		{"anna", "4uLU6hMCjMI75M1A2tKUQC", "Swan Lake, Op. 20: Scène", "Pyotr Ilyich Tchaikovsky", "classical,romantic era", "file:///m/1.ogg"},
		{"ben", "", "Radio jingle", "", "", "http://radio.example/stream"},
		{"a\xffb", "t", "bad profile", "x", "", ""},
		{"anna", "t\x00id", "nul\x00inside", "ar\x00tist", "a\x00,b", "u\x00"},
		{"anna", "t", "\xff\xfe\xfd invalid", "\xc3\x28", "\xe2\x82", ""},
		{"", "t", "empty profile", "", "", ""},
		{"anna", "", "", "", "", ""},
		{"anna", "t", strings.Repeat("long ", 2000), strings.Repeat("é", 3000), strings.Repeat("g,", 100), strings.Repeat("u", 10000)},
		{"Ünïcödé 🚗", "t", "日本語のタイトル", "アーティスト", "j-pop", ""},
		{"anna", "t", `"quoted" \ backslash </script>`, "'); DROP TABLE events; --", "[\"json\"]", ""},
	} {
		f.Add(seed.profile, seed.track, seed.title, seed.artist, seed.genres, seed.url)
	}
	s, err := Open(context.Background(), Options{Path: filepath.Join(f.TempDir(), "fuzz.db"), MaxEventsPerProfile: 50})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()

	f.Fuzz(func(t *testing.T, profile, track, title, artist, genres, url string) {
		ev := music.PlayEvent{Profile: profile, TrackID: music.TrackID(track), Title: title, Artist: artist,
			URL: url, Player: "mpv", StartedAt: t0, PositionMS: 1000, DurationMS: 2000, Outcome: music.OutcomeSkipped}
		if genres != "" {
			ev.Genres = strings.Split(genres, ",")
		}
		id, err := s.Record(ctx, ev)
		if err != nil {
			if music.KindOf(err) != music.KindInvalid {
				t.Fatalf("Record: want stored or KindInvalid, got %v", err)
			}
			return
		}
		recent, err := s.Recent(ctx, profile, 100)
		if err != nil {
			t.Fatalf("Recent: %v", err)
		}
		var got *music.PlayEvent
		for i := range recent {
			if recent[i].ID == id {
				got = &recent[i]
			}
		}
		if got == nil {
			t.Fatalf("event %d not in Recent", id)
		}
		for _, field := range append([]string{string(got.TrackID), got.Title, got.Artist, got.URL}, got.Genres...) {
			if !utf8.ValidString(field) {
				t.Fatalf("stored invalid UTF-8 %q", field)
			}
		}
		if len(got.Title) > maxTextLen || len(got.URL) > maxURLLen {
			t.Fatalf("stored unbounded text: title %d, url %d bytes", len(got.Title), len(got.URL))
		}
		if utf8.ValidString(title) && len(title) <= maxTextLen && got.Title != title {
			t.Fatalf("title changed: %q -> %q", title, got.Title)
		}
		var out bytes.Buffer
		if err := s.Export(ctx, profile, &out); err != nil {
			t.Fatalf("Export: %v", err)
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("Export wrote invalid JSON")
		}
		if err := s.Feedback(ctx, music.Feedback{Profile: profile, TrackID: music.TrackID(track), Kind: music.Dislike, At: t0.Add(time.Minute)}); err != nil && music.KindOf(err) != music.KindInvalid {
			t.Fatalf("Feedback: %v", err)
		}
		if _, err := s.Taste(ctx, profile); err != nil {
			t.Fatalf("Taste: %v", err)
		}
	})
}
