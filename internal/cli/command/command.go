// Package command owns continuoctl's command table: each command's name,
// operands, flags (with their allowed values) and summary, declared once.
// The same table parses and validates a command line (every usage error
// exits 2 before any daemon is called), prints help, and generates the bash
// and zsh completion scripts and the man page, so they cannot drift apart.
//
// A small table rather than a CLI library: cobra would give completion and
// man pages but brings pflag, a second flag syntax and a command-object
// style that every subcommand would have to be rewritten into; the table
// keeps the standard flag package the subcommands already use.
package command

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Exit codes shared by Continuo's command-line tools (a contract for
// scripts, listed in every help text and man page).
const (
	ExitOK          = 0
	ExitError       = 1 // the daemon (or the offline engine) returned an error; its message is printed
	ExitUsage       = 2 // a bad command line: unknown command or flag, bad value, wrong operands
	ExitUnreachable = 3 // no daemon on the bus
)

// ExitCodes documents the exit codes, in order.
var ExitCodes = []struct {
	Code    int
	Meaning string
}{
	{ExitOK, "success"},
	{ExitError, "the daemon or the offline engine reported an error (message on stderr)"},
	{ExitUsage, "usage error: unknown command or flag, invalid value, wrong operands"},
	{ExitUnreachable, "continuod is not reachable on the bus"},
}

// Flag is one flag of a command. Its kind is the type of Default: bool,
// string, int, float64 or time.Duration.
type Flag struct {
	Name    string
	Default any
	Usage   string
	Value   string   // placeholder in help ("N", "FILE"); default from the kind
	Choices []string // the only values accepted (strings)
	Min     *float64 // numeric range checked at parse time
	Max     *float64
	File    bool     // completes file names
	Suggest []string // completion words when any value is accepted ("session system")
	// Required: a string flag that must be given (catalog build --out).
	Required bool
	// Check validates a string value beyond Choices (nil: none).
	Check func(string) error
}

// Operand is a positional argument.
type Operand struct {
	Name     string   // "QUERY", "ID"
	Choices  []string // the only values accepted
	Optional bool
	Many     bool // the rest of the line (joined by the command)
	File     bool
}

// Command is one node of the table: a command with a Run, or a group of
// subcommands (catalog build|inspect).
type Command struct {
	Name     string
	Summary  string
	Detail   string // more help text, printed after the flags
	Operands []Operand
	Flags    []Flag
	Sub      []*Command
	// Run executes the command with its parsed flags; fs.Args() are the
	// operands, already checked against Operands.
	Run func(ctx context.Context, fs *flag.FlagSet, io IO) int
	// Raw commands parse their own flags (the offline tools); the table
	// only describes them for help and completion.
	Raw func(ctx context.Context, args []string, io IO) int
	// RawGlobals are the global flags passed on to Raw (as --name=value).
	RawGlobals []string
	Hidden     bool
}

// IO are a command's output streams.
type IO struct {
	Stdout, Stderr io.Writer
}

// Range returns a *float64 for Flag.Min/Max.
func Range(v float64) *float64 { return &v }

// UsageError is a bad command line (exit 2).
type UsageError struct{ Msg string }

func (e UsageError) Error() string { return e.Msg }

// Usagef builds a UsageError.
func Usagef(format string, a ...any) error { return UsageError{fmt.Sprintf(format, a...)} }

// Synopsis is the command's one-line usage after the program and the path:
// "[-n N] [--mood calm|steady|lively] QUERY...".
func (c *Command) Synopsis() string {
	var parts []string
	if len(c.Sub) > 0 {
		names := []string{}
		for _, s := range c.Sub {
			if !s.Hidden {
				names = append(names, s.Name)
			}
		}
		return strings.Join(names, "|") + " ..."
	}
	for _, f := range c.Flags {
		if f.Required {
			parts = append(parts, f.synopsis())
		} else {
			parts = append(parts, "["+f.synopsis()+"]")
		}
	}
	for _, o := range c.Operands {
		s := o.Name
		if len(o.Choices) > 0 {
			s = strings.Join(o.Choices, "|")
		}
		if o.Many {
			s += "..."
		}
		if o.Optional {
			s = "[" + s + "]"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// dashes is "-" for one-letter flags and "--" otherwise, as printed.
func dashes(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func (f Flag) synopsis() string {
	if _, ok := f.Default.(bool); ok {
		return dashes(f.Name)
	}
	return dashes(f.Name) + " " + f.placeholder()
}

func (f Flag) placeholder() string {
	switch {
	case len(f.Choices) > 0:
		return strings.Join(f.Choices, "|")
	case f.Value != "":
		return f.Value
	}
	switch f.Default.(type) {
	case int:
		return "N"
	case float64:
		return "X"
	case time.Duration:
		return "DURATION"
	}
	return "VALUE"
}

// define adds f to fs.
func (f Flag) define(fs *flag.FlagSet) {
	switch d := f.Default.(type) {
	case bool:
		fs.Bool(f.Name, d, f.Usage)
	case string:
		fs.String(f.Name, d, f.Usage)
	case int:
		fs.Int(f.Name, d, f.Usage)
	case float64:
		fs.Float64(f.Name, d, f.Usage)
	case time.Duration:
		fs.Duration(f.Name, d, f.Usage)
	default:
		panic(fmt.Sprintf("command: flag %s: unsupported default %T", f.Name, f.Default))
	}
}

// check validates a flag's parsed value against Choices and Min/Max.
func (f Flag) check(fs *flag.FlagSet) error {
	v := fs.Lookup(f.Name).Value.(flag.Getter).Get()
	if s, ok := v.(string); ok {
		if f.Required && s == "" {
			return Usagef("missing %s", f.synopsis())
		}
		if len(f.Choices) > 0 && s != "" && !slices.Contains(f.Choices, s) {
			return Usagef("%s %q: want one of %s", dashes(f.Name), s, strings.Join(f.Choices, ", "))
		}
		if f.Check != nil {
			if err := f.Check(s); err != nil {
				return Usagef("%s %q: %v", dashes(f.Name), s, err)
			}
		}
	}
	var x float64
	switch n := v.(type) {
	case int:
		x = float64(n)
	case float64:
		x = n
	default:
		return nil
	}
	if (f.Min != nil && !(x >= *f.Min)) || (f.Max != nil && !(x <= *f.Max)) {
		return Usagef("%s %s: want %s", dashes(f.Name), fs.Lookup(f.Name).Value.String(), f.rangeText())
	}
	return nil
}

func (f Flag) rangeText() string {
	num := func(p *float64) string { return strconv.FormatFloat(*p, 'g', -1, 64) }
	switch {
	case f.Min != nil && f.Max != nil:
		return num(f.Min) + ".." + num(f.Max)
	case f.Min != nil:
		return "at least " + num(f.Min)
	}
	return "at most " + num(f.Max)
}

// FlagSet builds the command's flag set, with the program's global flags
// (accepted after the command name too).
func (c *Command) FlagSet(path string, globals []Flag) *flag.FlagSet {
	fs := flag.NewFlagSet(path, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, as UsageErrors
	for _, f := range globals {
		f.define(fs)
	}
	for _, f := range c.Flags {
		f.define(fs)
	}
	return fs
}

// Parse parses args (flags may follow operands, as in
// `catalog build a.csv --out x`; "--" ends the flags) and checks every value
// and the operands. It returns flag.ErrHelp for -h/--help.
func (c *Command) Parse(fs *flag.FlagSet, args []string, globals []Flag) error {
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return UsageError{fs.Name() + ": " + err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			operands = append(operands, rest...)
			break
		}
		operands = append(operands, rest[0])
		args = rest[1:]
	}
	for _, f := range append(slices.Clone(globals), c.Flags...) {
		if err := f.check(fs); err != nil {
			return UsageError{fs.Name() + ": " + err.Error()}
		}
	}
	if err := c.checkOperands(operands); err != nil {
		return UsageError{fs.Name() + ": " + err.Error()}
	}
	// Leave the operands as fs.Args() for Run.
	return fs.Parse(append([]string{"--"}, operands...))
}

func (c *Command) checkOperands(got []string) error {
	i := 0
	for _, o := range c.Operands {
		if i >= len(got) {
			if o.Optional {
				return nil
			}
			return Usagef("missing %s", o.Name)
		}
		if len(o.Choices) > 0 && !slices.Contains(o.Choices, got[i]) {
			return Usagef("%s %q: want one of %s", o.Name, got[i], strings.Join(o.Choices, ", "))
		}
		if o.Many {
			return nil
		}
		i++
	}
	if i < len(got) {
		return Usagef("unexpected argument %q", got[i])
	}
	return nil
}

// Get returns a parsed flag's value (string, int, bool, float64 or
// time.Duration, by the flag's kind).
func Get[T any](fs *flag.FlagSet, name string) T {
	v, _ := fs.Lookup(name).Value.(flag.Getter).Get().(T)
	return v
}
