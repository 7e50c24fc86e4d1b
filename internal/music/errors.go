package music

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Kind classifies an error for callers that must branch on it, and for the
// D-Bus edge that maps it to an error name. Kinds cross the wire as names:
// append new kinds at the end, never reorder or remove.
type Kind int

const (
	KindInternal     Kind = iota // a bug or an unexpected failure
	KindNotFound                 // no such track, profile or player item
	KindInvalid                  // bad argument, config value or input row
	KindNoPlayer                 // no MPRIS player to act on
	KindAccessDenied             // caller may not do this
	KindUnavailable              // a resource is temporarily unusable (disk full, bus down)
)

func (k Kind) String() string {
	switch k {
	case KindNotFound:
		return "not found"
	case KindInvalid:
		return "invalid argument"
	case KindNoPlayer:
		return "no player"
	case KindAccessDenied:
		return "access denied"
	case KindUnavailable:
		return "unavailable"
	}
	return "internal error"
}

// Error is an error with a Kind and a message meant for the caller. Wrap it
// with fmt.Errorf("...: %w", err) on the way up; KindOf finds it again.
type Error struct {
	Kind Kind
	Msg  string
	Err  error // optional cause
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error of the given kind.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// WrapKind builds an *Error of the given kind around a cause.
func WrapKind(kind Kind, err error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...), Err: err}
}

// KindOf returns the Kind of the first *Error in err's chain, or KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// MessageOf returns the caller-facing message of the first *Error in err's
// chain (including its causes), or a generic text for internal errors so
// internals never leak across the bus.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error"
}

// EchoLimit is how much of a caller's input an error message repeats.
const EchoLimit = 32

// Echo returns input for an error message: quoted, cut to EchoLimit bytes
// at a rune boundary with "…" when longer. Messages go back to the caller
// and into logs; a 5,000-byte argument must not come back whole.
func Echo(s string) string {
	if len(s) <= EchoLimit {
		return strconv.Quote(s)
	}
	cut := EchoLimit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut] + "…")
}
