package emulator

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

func TestParseScript(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Step
	}{
		{"empty", "", nil},
		{"comments and blanks", "# a drive\n\n   # indented\n", nil},
		{"profile", "profile anna", []Step{{Line: 1, Op: OpProfile, Text: "anna"}}},
		{"profile quoted", `profile "Anna Maria"`, []Step{{Line: 1, Op: OpProfile, Text: "Anna Maria"}}},
		{"mood", "mood calm\nmood off", []Step{{Line: 1, Op: OpMood, Text: "calm"}, {Line: 2, Op: OpMood, Text: ""}}},
		{"kids", "kids on\nkids off", []Step{{Line: 1, Op: OpKids, On: true}, {Line: 2, Op: OpKids}}},
		{"ask", `ask "scene swan lake" # the seed`, []Step{{Line: 1, Op: OpAsk, Text: "scene swan lake"}}},
		{"ask escapes", `ask "say \"hi\" #1"`, []Step{{Line: 1, Op: OpAsk, Text: `say "hi" #1`}}},
		{"ask unquoted words", `ask swan   lake`, []Step{{Line: 1, Op: OpAsk, Text: "swan lake"}}},
		{"listen", "listen 4", []Step{{Line: 1, Op: OpListen, N: 4}}},
		{"skip", "skip after 12s", []Step{{Line: 1, Op: OpSkip, D: 12 * time.Second}}},
		{"skip at once", "skip after 0s", []Step{{Line: 1, Op: OpSkip}}},
		{"like dislike", "like\ndislike", []Step{{Line: 1, Op: OpLike}, {Line: 2, Op: OpDislike}}},
		{"wait", "wait 1m30s", []Step{{Line: 1, Op: OpWait, D: 90 * time.Second}}},
		{"expect", "expect family hip hop", []Step{{Line: 1, Op: OpExpect, Text: "hip hop"}}},
		{"crlf", "listen 1\r\nlike\r\n", []Step{{Line: 1, Op: OpListen, N: 1}, {Line: 2, Op: OpLike}}},
		{"context", "context speed=120 road=highway traffic=free moving=on", []Step{{Line: 1, Op: OpContext, Context: []ContextSetting{
			{Name: "speed", Key: "Vehicle.Speed", Text: "120", Value: 120.0}, {Name: "road", Key: "Continuo.Road", Text: "highway", Value: "highway"},
			{Name: "traffic", Key: "Continuo.Traffic", Text: "free", Value: "free"}, {Name: "moving", Key: "Vehicle.IsMoving", Text: "on", Value: true}}}}},
		{"arrive", "arrive in 25m", []Step{{Line: 1, Op: OpArrive, D: 25 * time.Minute}}},
		{"listen until arrival", "listen until arrival", []Step{{Line: 1, Op: OpListen, On: true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseScript("t.drive", strings.NewReader(tc.in))
			require.NoError(t, err)
			assert.Equal(t, tc.want, s.Steps)
			assert.Equal(t, "t.drive", s.Name)
		})
	}
}

func TestParseScriptErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"listen 1\n\n# x\nskp", `drive.drive:4: unknown command "skp"`},
		{"profile", "drive.drive:1: profile: missing profile name"},
		{`profile ""`, "drive.drive:1: profile: empty profile name"},
		{`ask "unterminated`, "drive.drive:1: unterminated quoted text"},
		{`ask "a" "b"`, `unexpected "b" after quoted query`},
		{"mood grumpy", `drive.drive:1: mood: unknown mood "grumpy" (want one of calm|steady|lively|off)`},
		{"kids maybe", `unknown kids "maybe"`},
		{"listen", "want a number of tracks"},
		{"listen until dawn", "want a number of tracks"},
		{"context", "context: want NAME=VALUE..."},
		{"context speed", `context: want NAME=VALUE, got "speed"`},
		{"context colour=red", `context: unknown context name "colour" (want one of children, fatigue, moving, road, speed, style, temperature, traffic, weather)`},
		{"context speed=fast", `context: speed: want a number, got "fast"`},
		{"context moving=maybe", `context: moving: want on or off, got "maybe"`},
		{"context road=city road=highway", "context: road given twice"},
		{"arrive 25m", `want "arrive in DURATION"`},
		{"arrive in soon", `arrive: bad duration "soon"`},
		{"listen 0", `bad track count "0"`},
		{"listen -3", `bad track count "-3"`},
		{"listen 99999999999999999999", "bad track count"},
		{"skip 12s", `want "skip after DURATION"`},
		{"skip after soon", `bad duration "soon"`},
		{"skip after -1s", `bad duration "-1s"`},
		{"wait 0s", `bad duration "0s"`},
		{"wait 48h", `bad duration "48h"`},
		{"like it", "like takes no arguments"},
		{"expect genre rock", `want "expect family NAME"`},
		{"expect family", "missing family"},
		{`"ask" x`, "command expected"},
		{"ask \"a\\x00b\"", "control or invalid characters"},
		{"ask " + strings.Repeat("x", 600), "longer than 512 bytes"},
		{"ask " + strings.Repeat("x", 5000), "drive.drive:1: line longer than 4096 bytes"},
		{"ask \xff", "drive.drive:1: not valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.in[:min(len(tc.in), 20)], func(t *testing.T) {
			_, err := ParseScript("drive.drive", strings.NewReader(tc.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, music.KindInvalid, music.KindOf(err))
		})
	}
}

func TestParseScriptTooLong(t *testing.T) {
	_, err := ParseScript("big.drive", strings.NewReader(strings.Repeat("like\n", MaxScriptLines+1)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "big.drive:10001: script longer than")
}

// The example drives shipped in testdata must parse.
func TestExampleDrives(t *testing.T) {
	files, err := filepath.Glob("../../testdata/drives/*.drive")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 3)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r, err := os.Open(f)
			require.NoError(t, err)
			defer r.Close()
			s, err := ParseScript(f, r)
			require.NoError(t, err)
			var asks int
			for _, st := range s.Steps {
				if st.Op == OpAsk {
					asks++
				}
			}
			assert.Positive(t, asks, "a drive asks for music")
		})
	}
}

// FuzzParseScript: any input parses or fails cleanly, and a parsed script
// formatted back with Step.String parses to the same steps.
func FuzzParseScript(f *testing.F) {
	for _, seed := range []string{
		"profile anna\nmood calm\nkids off\nask \"scene swan lake\"\nlisten 4\nskip after 12s\nlike\nlisten 6\n",
		"# comment\nwait 5m\nexpect family classical\ndislike\n",
		`ask "a \"quoted\" \u00e9 # not a comment"`,
		"ask swan lake # comment",
		"expect family hip hop\nmood off\nkids on",
		"skip after 1h2m3.5s",
		"ask \"unterminated",
		"listen 0",
		"\x00\xff\"\\",
		"context speed=120 road=highway traffic=free\narrive in 25m\nlisten until arrival\n",
		"context moving=off children=yes fatigue=1e2 temperature=-3.5\ncontext speed=NaN",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseScript("fuzz.drive", strings.NewReader(in))
		if err != nil {
			if music.KindOf(err) != music.KindInvalid {
				t.Fatalf("error of kind %v: %v", music.KindOf(err), err)
			}
			return
		}
		var b strings.Builder
		for _, st := range s.Steps {
			b.WriteString(st.String())
			b.WriteByte('\n')
		}
		again, err := ParseScript("again.drive", strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("formatted script does not parse: %v\n%s", err, b.String())
		}
		if len(again.Steps) != len(s.Steps) {
			t.Fatalf("round trip: %d steps, want %d", len(again.Steps), len(s.Steps))
		}
		for i := range s.Steps {
			want := s.Steps[i]
			want.Line = i + 1
			if !reflect.DeepEqual(again.Steps[i], want) {
				t.Fatalf("round trip step %d: got %+v, want %+v", i, again.Steps[i], want)
			}
		}
	})
}

func TestCheckFamilies(t *testing.T) {
	s, err := ParseScript("d.drive", strings.NewReader("ask \"x\"\nexpect family Classical\nexpect family hip hop\nexpect family jaz\n"))
	require.NoError(t, err)
	families := []string{"classical", "hip hop", "jazz"}
	err = s.CheckFamilies(families)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `d.drive:4: expect family "jaz": unknown family`)
	assert.Equal(t, music.KindInvalid, music.KindOf(err))
	s.Steps = s.Steps[:3]
	assert.NoError(t, s.CheckFamilies(families), "case-insensitive, multi-word")
	assert.NoError(t, s.CheckFamilies(nil), "nothing to check against")
}
