package busapi

import (
	"encoding/binary"
	"fmt"
	"io"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/music"
)

// replyViews is a Recommend answer of n tracks shaped like the full
// catalog's: two artists, a few genre labels and tags, a URI.
func replyViews(n int) []drive.TrackView {
	ts := make([]drive.TrackView, n)
	for i := range ts {
		ts[i] = drive.TrackView{
			Row: i, ID: music.TrackID(fmt.Sprintf("3f1a9c7e-0b2d-4e5f-8a6b-%012d", i)), Title: "Swan Lake, Op. 20: Scène",
			Artists: []string{"Pyotr Ilyich Tchaikovsky", "London Symphony Orchestra"}, Album: "Swan Lake",
			Genres: []string{"classical", "romantic", "ballet", "orchestral"}, DurationMS: 187_000,
			URI: "file:///media/usb0/Tchaikovsky/Swan%20Lake/01.flac", Score: 0.8125,
			Reason: "more Tchaikovsky, like the last one", Family: "classical", Valence: 0.31, Energy: 0.44,
		}
	}
	return ts
}

// BenchmarkRecommendReply is the daemon's side of a Recommend reply of 10
// tracks without the bus: the dictionaries, then what godbus does to send
// them (unixTransport.SendMessage encodes the body once to count file
// descriptors and once to write it). B/op and allocs/op are the garbage a
// reply leaves for the collector.
//
//	go test -run '^$' -bench RecommendReply -benchmem ./internal/busapi/
func BenchmarkRecommendReply(b *testing.B) {
	ts := replyViews(10)
	msg := &dbus.Message{Type: dbus.TypeMethodReply, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldReplySerial: dbus.MakeVariant(uint32(7)),
		dbus.FieldDestination: dbus.MakeVariant(":1.42"),
	}}
	b.Run("dicts", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = trackDicts(ts)
		}
	})
	b.Run("dicts+send", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			body := trackDicts(ts)
			msg.Body = []any{body}
			msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(body))
			if _, err := msg.CountFds(); err != nil {
				b.Fatal(err)
			}
			if err := msg.EncodeTo(io.Discard, binary.LittleEndian); err != nil {
				b.Fatal(err)
			}
		}
	})
}
