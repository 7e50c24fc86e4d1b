package emulator

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/continuo/continuo/internal/music"
)

// Op is a drive-script command.
type Op int

const (
	OpProfile Op = iota + 1 // profile NAME: set ActiveProfile
	OpMood                  // mood calm|steady|lively|off: set Mood
	OpKids                  // kids on|off: ExplicitAllowed = !on
	OpAsk                   // ask "QUERY": Play(query)
	OpListen                // listen N: let N tracks play to the end
	OpSkip                  // skip after DURATION: Next once the track has played DURATION
	OpLike                  // like: Feedback(current, like)
	OpDislike               // dislike: Feedback(current, dislike)
	OpWait                  // wait DURATION: virtual time passes, music keeps playing
	OpExpect                // expect family NAME: the current track's family is NAME
	OpContext               // context NAME=VALUE...: SetContext (vehicle context)
	OpArrive                // arrive in DURATION: SetContext(MinutesToDestination); the drive ends there
)

var opNames = map[Op]string{
	OpProfile: "profile", OpMood: "mood", OpKids: "kids", OpAsk: "ask", OpListen: "listen",
	OpSkip: "skip", OpLike: "like", OpDislike: "dislike", OpWait: "wait", OpExpect: "expect",
	OpContext: "context", OpArrive: "arrive",
}

func (o Op) String() string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// Limits on scripts, which may come from anyone.
const (
	MaxScriptLines = 10000
	maxLineLen     = 4096
	maxListen      = 10000
	maxDuration    = 24 * time.Hour
	maxTextLen     = 512
)

// Moods a script may set; "off" clears the mood (Mood = "").
var scriptMoods = []string{"calm", "steady", "lively", "off"}

// Step is one parsed command.
type Step struct {
	Line int // 1-based line in the script
	Op   Op
	Text string        // profile name, mood ("" for off), ask query, expected family
	N    int           // listen count
	D    time.Duration // skip after / wait / arrive in
	On   bool          // kids on; listen until arrival
	// Context is what a context step sets, in the script's order.
	Context []ContextSetting
}

// String formats the step in the script syntax; parsing it gives the same
// step back (apart from Line).
func (s Step) String() string {
	switch s.Op {
	case OpProfile, OpAsk:
		return s.Op.String() + " " + strconv.Quote(s.Text)
	case OpMood:
		if s.Text == "" {
			return "mood off"
		}
		return "mood " + s.Text
	case OpKids:
		if s.On {
			return "kids on"
		}
		return "kids off"
	case OpListen:
		if s.On {
			return "listen until arrival"
		}
		return "listen " + strconv.Itoa(s.N)
	case OpContext:
		parts := []string{"context"}
		for _, c := range s.Context {
			parts = append(parts, c.Name+"="+c.Text)
		}
		return strings.Join(parts, " ")
	case OpArrive:
		return "arrive in " + s.D.String()
	case OpSkip:
		return "skip after " + s.D.String()
	case OpLike, OpDislike:
		return s.Op.String()
	case OpWait:
		return "wait " + s.D.String()
	case OpExpect:
		return "expect family " + strconv.Quote(s.Text)
	}
	return s.Op.String()
}

// Script is a parsed drive.
type Script struct {
	Name  string // file name, for errors, the transcript and the plot title
	Steps []Step
}

// ParseScript reads a drive script. Errors are music.KindInvalid and say
// where: "drive.drive:7: unknown command \"skp\"".
func ParseScript(name string, r io.Reader) (*Script, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), maxLineLen)
	s := &Script{Name: name}
	line := 0
	for sc.Scan() {
		line++
		if line > MaxScriptLines {
			return nil, music.Errorf(music.KindInvalid, "%s:%d: script longer than %d lines", name, line, MaxScriptLines)
		}
		step, ok, err := parseLine(sc.Text())
		if err != nil {
			return nil, music.Errorf(music.KindInvalid, "%s:%d: %s", name, line, err)
		}
		if ok {
			step.Line = line
			s.Steps = append(s.Steps, step)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, music.Errorf(music.KindInvalid, "%s:%d: line longer than %d bytes", name, line+1, maxLineLen)
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return s, nil
}

// parseLine parses one line; ok is false for blank and comment lines.
func parseLine(text string) (Step, bool, error) {
	if !utf8.ValidString(text) {
		return Step{}, false, errors.New("not valid UTF-8")
	}
	words, err := splitWords(text)
	if err != nil {
		return Step{}, false, err
	}
	if len(words) == 0 {
		return Step{}, false, nil
	}
	cmd, args := words[0], words[1:]
	if cmd.quoted {
		return Step{}, false, fmt.Errorf("command expected, got quoted text %q", cmd.s)
	}
	var st Step
	switch cmd.s {
	case "profile":
		st.Op = OpProfile
		st.Text, err = oneText(args, "profile name")
	case "ask":
		st.Op = OpAsk
		st.Text, err = oneText(args, "query")
	case "mood":
		st.Op = OpMood
		st.Text, err = oneOf(args, "mood", scriptMoods)
		if st.Text == "off" {
			st.Text = ""
		}
	case "kids":
		st.Op = OpKids
		var v string
		v, err = oneOf(args, "kids", []string{"on", "off"})
		st.On = v == "on"
	case "listen":
		st.Op = OpListen
		if len(args) == 2 && !args[0].quoted && args[0].s == "until" && !args[1].quoted && args[1].s == "arrival" {
			st.On = true
			break
		}
		st.N, err = oneCount(args)
	case "context":
		st.Op = OpContext
		st.Context, err = contextSettings(args)
	case "arrive":
		st.Op = OpArrive
		if len(args) != 2 || args[0].quoted || args[0].s != "in" {
			return Step{}, false, errors.New(`want "arrive in DURATION", e.g. "arrive in 25m"`)
		}
		st.D, err = duration(args[1:], false)
	case "skip":
		st.Op = OpSkip
		if len(args) != 2 || args[0].quoted || args[0].s != "after" {
			return Step{}, false, errors.New(`want "skip after DURATION", e.g. "skip after 12s"`)
		}
		st.D, err = duration(args[1:], true)
	case "wait":
		st.Op = OpWait
		st.D, err = duration(args, false)
	case "like", "dislike":
		st.Op = OpLike
		if cmd.s == "dislike" {
			st.Op = OpDislike
		}
		if len(args) != 0 {
			err = fmt.Errorf("%s takes no arguments", cmd.s)
		}
	case "expect":
		st.Op = OpExpect
		if len(args) < 1 || args[0].quoted || args[0].s != "family" {
			return Step{}, false, errors.New(`want "expect family NAME", e.g. "expect family classical"`)
		}
		st.Text, err = oneText(args[1:], "family")
	default:
		return Step{}, false, fmt.Errorf("unknown command %q", cmd.s)
	}
	if err != nil {
		return Step{}, false, fmt.Errorf("%s: %w", cmd.s, err)
	}
	return st, true, nil
}

type word struct {
	s      string
	quoted bool
}

// splitWords splits a line into words: runs of non-space, or Go-syntax
// double-quoted strings. A '#' outside quotes starts a comment.
func splitWords(line string) ([]word, error) {
	var words []word
	i := 0
	for i < len(line) {
		r, size := utf8.DecodeRuneInString(line[i:])
		switch {
		case unicode.IsSpace(r):
			i += size
		case r == '#':
			return words, nil
		case r == '"':
			end := closingQuote(line, i)
			if end < 0 {
				return nil, errors.New("unterminated quoted text")
			}
			s, err := strconv.Unquote(line[i : end+1])
			if err != nil {
				return nil, fmt.Errorf("bad quoted text %s", line[i:end+1])
			}
			words = append(words, word{s: s, quoted: true})
			i = end + 1
		default:
			j := i
			for j < len(line) {
				r, size := utf8.DecodeRuneInString(line[j:])
				if unicode.IsSpace(r) || r == '"' || r == '#' {
					break
				}
				j += size
			}
			words = append(words, word{s: line[i:j]})
			i = j
		}
	}
	return words, nil
}

// closingQuote returns the index of the quote closing the one at start.
func closingQuote(line string, start int) int {
	for i := start + 1; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// oneText takes the rest of the line as one text: a quoted string, or the
// unquoted words joined by single spaces (expect family hip hop).
func oneText(args []word, what string) (string, error) {
	if len(args) == 0 {
		return "", fmt.Errorf("missing %s", what)
	}
	var text string
	if args[0].quoted {
		if len(args) > 1 {
			return "", fmt.Errorf("unexpected %q after quoted %s", args[1].s, what)
		}
		text = args[0].s
	} else {
		parts := make([]string, len(args))
		for i, a := range args {
			if a.quoted {
				return "", fmt.Errorf("mixed quoted and unquoted %s", what)
			}
			parts[i] = a.s
		}
		text = strings.Join(parts, " ")
	}
	if strings.TrimSpace(text) == "" {
		return "", fmt.Errorf("empty %s", what)
	}
	if len(text) > maxTextLen {
		return "", fmt.Errorf("%s longer than %d bytes", what, maxTextLen)
	}
	for _, r := range text {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return "", fmt.Errorf("%s contains control or invalid characters", what)
		}
	}
	return text, nil
}

func oneOf(args []word, what string, allowed []string) (string, error) {
	if len(args) != 1 || args[0].quoted {
		return "", fmt.Errorf("want one of %s", strings.Join(allowed, "|"))
	}
	for _, a := range allowed {
		if args[0].s == a {
			return a, nil
		}
	}
	return "", fmt.Errorf("unknown %s %q (want one of %s)", what, args[0].s, strings.Join(allowed, "|"))
}

func oneCount(args []word) (int, error) {
	if len(args) != 1 || args[0].quoted {
		return 0, errors.New("want a number of tracks, e.g. \"listen 4\"")
	}
	n, err := strconv.Atoi(args[0].s)
	if err != nil || n < 1 || n > maxListen {
		return 0, fmt.Errorf("bad track count %q (want 1..%d)", args[0].s, maxListen)
	}
	return n, nil
}

// duration parses a Go duration ("12s", "5m", "1m30s"); skip allows 0.
func duration(args []word, allowZero bool) (time.Duration, error) {
	if len(args) != 1 || args[0].quoted {
		return 0, errors.New("want a duration, e.g. 12s or 5m")
	}
	d, err := time.ParseDuration(args[0].s)
	if err != nil || d < 0 || (d == 0 && !allowZero) || d > maxDuration {
		return 0, fmt.Errorf("bad duration %q (want e.g. 12s or 5m, at most %v)", args[0].s, maxDuration)
	}
	return d, nil
}

// CheckFamilies checks every `expect family` step against the families the
// catalog knows (case-insensitively), so a misspelt family fails before the
// drive starts, naming its line. families empty skips the check (no
// catalog to check against).
func (s *Script) CheckFamilies(families []string) error {
	if len(families) == 0 {
		return nil
	}
	for _, st := range s.Steps {
		if st.Op != OpExpect || slices.ContainsFunc(families, func(f string) bool { return strings.EqualFold(f, st.Text) }) {
			continue
		}
		return music.Errorf(music.KindInvalid, "%s:%d: expect family %q: unknown family (want one of %s)",
			s.Name, st.Line, st.Text, strings.Join(families, ", "))
	}
	return nil
}
