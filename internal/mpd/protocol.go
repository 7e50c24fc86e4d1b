package mpd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Bounds on what the parser accepts from the server: a reply is a few
// hundred lines for a playlist; anything larger is refused, not buffered.
const (
	maxLineBytes = 64 << 10
	maxPairs     = 200_000
)

// ACK error codes (MPD's src/protocol/Ack.hxx).
const (
	AckNotList       = 1
	AckArg           = 2
	AckPassword      = 3
	AckPermission    = 4
	AckUnknown       = 5
	AckNoExist       = 50
	AckPlaylistMax   = 51
	AckSystem        = 52
	AckPlaylistLoad  = 53
	AckUpdateAlready = 54
	AckPlayerSync    = 55
	AckExist         = 56
)

// Pair is one "key: value" line of a reply.
type Pair struct {
	Key, Value string
}

// AckError is an "ACK [code@index] {command} message" reply.
type AckError struct {
	Code    int
	Index   int    // position in a command list
	Command string // the command that failed
	Message string
}

func (e *AckError) Error() string {
	return fmt.Sprintf("mpd: %s: %s (ACK %d)", e.Command, e.Message, e.Code)
}

// ParseAck parses an ACK line (without the newline).
func ParseAck(line string) (*AckError, error) {
	rest, ok := strings.CutPrefix(line, "ACK [")
	if !ok {
		return nil, fmt.Errorf("not an ACK line: %q", clip(line))
	}
	codes, rest, ok := strings.Cut(rest, "] {")
	if !ok {
		return nil, fmt.Errorf("malformed ACK: %q", clip(line))
	}
	codeStr, idxStr, ok := strings.Cut(codes, "@")
	if !ok {
		return nil, fmt.Errorf("malformed ACK code: %q", clip(line))
	}
	code, err1 := strconv.Atoi(codeStr)
	idx, err2 := strconv.Atoi(idxStr)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("malformed ACK code: %q", clip(line))
	}
	cmd, msg, ok := strings.Cut(rest, "}")
	if !ok {
		return nil, fmt.Errorf("malformed ACK command: %q", clip(line))
	}
	return &AckError{Code: code, Index: idx, Command: cmd, Message: strings.TrimSpace(msg)}, nil
}

// ParseGreeting checks the "OK MPD x.y.z" line and returns the version.
func ParseGreeting(line string) (string, error) {
	v, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "OK MPD ")
	if !ok || v == "" {
		return "", fmt.Errorf("not an MPD greeting: %q", clip(line))
	}
	return v, nil
}

// errNoReply marks a failure before any reply line: the server did not
// answer (for a stale connection: it never read the command).
var errNoReply = errors.New("connection closed before a reply")

// ReadResponse reads one reply: "key: value" lines up to "OK", or an ACK
// (returned as *AckError). It never panics and bounds what it buffers.
func ReadResponse(r *bufio.Reader) ([]Pair, error) {
	var pairs []Pair
	for n := 0; ; n++ {
		line, err := readLine(r)
		if err != nil {
			if n == 0 && errors.Is(err, io.EOF) {
				return nil, errNoReply
			}
			return nil, err
		}
		switch {
		case line == "OK":
			return pairs, nil
		case strings.HasPrefix(line, "ACK "):
			ack, err := ParseAck(line)
			if err != nil {
				return nil, err
			}
			return nil, ack
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok || k == "" {
			return nil, fmt.Errorf("malformed reply line: %q", clip(line))
		}
		if len(pairs) >= maxPairs {
			return nil, fmt.Errorf("reply longer than %d lines", maxPairs)
		}
		pairs = append(pairs, Pair{Key: k, Value: v})
	}
}

func readLine(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			if err == io.EOF && len(b) > 0 {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
		b = append(b, chunk...)
		if len(b) > maxLineBytes {
			return "", fmt.Errorf("reply line longer than %d bytes", maxLineBytes)
		}
		if !isPrefix {
			return string(b), nil
		}
	}
}

// Quote quotes one command argument: MPD splits arguments on spaces and
// unquotes "..." with backslash escapes for \ and ". Newlines cannot be
// quoted; callers reject them first.
func Quote(arg string) string {
	var b strings.Builder
	b.Grow(len(arg) + 2)
	b.WriteByte('"')
	for i := 0; i < len(arg); i++ {
		if c := arg[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(arg[i])
	}
	b.WriteByte('"')
	return b.String()
}

// clip shortens server text for error messages.
func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
