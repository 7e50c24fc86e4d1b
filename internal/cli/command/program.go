package command

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Program is a whole command-line tool: global flags and a command tree.
type Program struct {
	Name     string
	Summary  string
	Version  string // printed by --version and `version`
	Globals  []Flag
	Commands []*Command
	// Groups orders the commands in the help text: a heading and the
	// command names under it.
	Groups []Group
}

// Group is a heading of the help text.
type Group struct {
	Title    string
	Commands []string
}

// Run parses args, dispatches to the command and returns the exit code.
// -h/--help anywhere and `help [COMMAND...]` print help to stdout and exit
// 0 without touching the bus; `--version` and `version` print the version.
func (p *Program) Run(ctx context.Context, args []string, o IO) int {
	top := &Command{Name: p.Name, Flags: append(p.Globals, Flag{Name: "version", Default: false, Usage: "print the version and exit"})}
	fs := top.FlagSet(p.Name, nil)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		p.help(o.Stdout, nil)
		return ExitOK
	case err != nil:
		return p.usage(o, UsageError{err.Error()}, nil)
	case Get[bool](fs, "version"):
		fmt.Fprintln(o.Stdout, p.Name, p.Version)
		return ExitOK
	}
	for _, f := range p.Globals {
		if err := f.check(fs); err != nil {
			return p.usage(o, err, nil)
		}
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return p.usage(o, UsageError{"missing COMMAND"}, nil)
	}
	// Globals given before the command are passed on to its flag set.
	path, cmd, rest, err := p.find(rest)
	if err != nil {
		return p.usage(o, err, path)
	}
	var globalArgs []string
	fs.Visit(func(f *flag.Flag) {
		if f.Name != "version" && (cmd.Raw == nil || slices.Contains(cmd.RawGlobals, f.Name)) {
			globalArgs = append(globalArgs, "--"+f.Name+"="+f.Value.String())
		}
	})
	if cmd.Raw != nil {
		return cmd.Raw(ctx, append(globalArgs, rest...), o)
	}
	cfs := cmd.FlagSet(p.Name+" "+strings.Join(pathNames(path), " "), p.Globals)
	err = cmd.Parse(cfs, append(globalArgs, rest...), p.Globals)
	switch {
	case errors.Is(err, flag.ErrHelp):
		p.help(o.Stdout, path)
		return ExitOK
	case err != nil:
		return p.usage(o, err, path)
	}
	return cmd.Run(ctx, cfs, o)
}

// find walks the command tree along args; path is the commands matched.
func (p *Program) find(args []string) (path []*Command, cmd *Command, rest []string, err error) {
	cmds := p.Commands
	for len(args) > 0 {
		name := args[0]
		var next *Command
		for _, c := range cmds {
			if c.Name == name {
				next = c
			}
		}
		if next == nil {
			if len(path) > 0 && (name == "-h" || name == "--help" || name == "help") {
				return path, nil, nil, flag.ErrHelp
			}
			return path, nil, nil, Usagef("unknown command %q", strings.Join(append(pathNames(path), name), " "))
		}
		path, args = append(path, next), args[1:]
		if len(next.Sub) == 0 {
			return path, next, args, nil
		}
		cmds = next.Sub
	}
	return path, nil, nil, Usagef("%s: missing subcommand", strings.Join(pathNames(path), " "))
}

func pathNames(path []*Command) []string {
	names := make([]string, len(path))
	for i, c := range path {
		names[i] = c.Name
	}
	return names
}

// usage reports a usage error: the message and the synopsis on stderr,
// exit 2. A help request for a group (`catalog --help`) is not an error.
func (p *Program) usage(o IO, err error, path []*Command) int {
	if errors.Is(err, flag.ErrHelp) {
		p.help(o.Stdout, path)
		return ExitOK
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, p.Name+" ") {
		msg = p.Name + ": " + msg
	}
	fmt.Fprintln(o.Stderr, msg)
	name := strings.TrimSpace(p.Name + " " + strings.Join(pathNames(path), " "))
	if len(path) > 0 {
		fmt.Fprintln(o.Stderr, strings.TrimSpace("usage: "+name+" "+path[len(path)-1].Synopsis()))
	}
	fmt.Fprintf(o.Stderr, "Run '%s --help' for help.\n", name)
	return ExitUsage
}

// HelpCommand is the `help [COMMAND...]` command of p.
func (p *Program) HelpCommand() *Command {
	return &Command{
		Name: "help", Summary: "show help for a command",
		Operands: []Operand{{Name: "COMMAND", Optional: true, Many: true}},
		Run: func(ctx context.Context, fs *flag.FlagSet, o IO) int {
			if fs.NArg() == 0 {
				p.help(o.Stdout, nil)
				return ExitOK
			}
			path, cmd, _, err := p.find(fs.Args())
			if err != nil && !errors.Is(err, flag.ErrHelp) && cmd == nil && len(path) == 0 {
				return p.usage(o, err, nil)
			}
			p.help(o.Stdout, path)
			return ExitOK
		},
	}
}

// VersionCommand is the `version` command of p.
func (p *Program) VersionCommand() *Command {
	return &Command{Name: "version", Summary: "print the version",
		Run: func(ctx context.Context, fs *flag.FlagSet, o IO) int {
			fmt.Fprintln(o.Stdout, p.Name, p.Version)
			return ExitOK
		}}
}

// help prints the program's help (path empty) or a command's.
func (p *Program) help(w io.Writer, path []*Command) {
	if len(path) == 0 {
		p.programHelp(w)
		return
	}
	c := path[len(path)-1]
	name := p.Name + " " + strings.Join(pathNames(path), " ")
	fmt.Fprintf(w, "%s\n\n%s\n", strings.TrimSpace("usage: "+name+" "+c.Synopsis()), c.Summary)
	if len(c.Sub) > 0 {
		fmt.Fprintln(w, "\nCommands:")
		for _, s := range c.Sub {
			if !s.Hidden {
				fmt.Fprintf(w, "  %-10s %s\n", s.Name, s.Summary)
			}
		}
	}
	if len(c.Flags) > 0 {
		fmt.Fprintln(w, "\nFlags:")
		writeFlags(w, c.Flags)
	}
	if c.Detail != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Detail))
	}
	fmt.Fprintf(w, "\nGlobal flags: %s\n", globalsSynopsis(p.Globals))
}

func (p *Program) programHelp(w io.Writer) {
	fmt.Fprintf(w, "usage: %s %s COMMAND [ARGS]\n\n%s\n", p.Name, globalsSynopsis(p.Globals), p.Summary)
	for _, g := range p.Groups {
		fmt.Fprintf(w, "\n%s:\n", g.Title)
		for _, name := range g.Commands {
			for _, c := range p.Commands {
				if c.Name == name {
					fmt.Fprintf(w, "  %-10s %s\n", c.Name, c.Summary)
				}
			}
		}
	}
	fmt.Fprintln(w, "\nGlobal flags:")
	writeFlags(w, append(p.Globals, Flag{Name: "version", Default: false, Usage: "print the version and exit"}))
	fmt.Fprintln(w, "\nExit status:")
	for _, e := range ExitCodes {
		fmt.Fprintf(w, "  %d  %s\n", e.Code, e.Meaning)
	}
	fmt.Fprintf(w, "\nRun '%s help COMMAND' (or COMMAND --help) for a command's arguments.\n", p.Name)
}

func globalsSynopsis(fl []Flag) string {
	parts := make([]string, len(fl))
	for i, f := range fl {
		parts[i] = "[" + f.synopsis() + "]"
	}
	return strings.Join(parts, " ")
}

func writeFlags(w io.Writer, fl []Flag) {
	for _, f := range fl {
		def := ""
		switch d := f.Default.(type) {
		case bool:
		case string:
			if d != "" {
				def = fmt.Sprintf(" (default %q)", d)
			}
		default:
			def = fmt.Sprintf(" (default %v)", d)
		}
		fmt.Fprintf(w, "  %-28s %s%s\n", f.synopsis(), f.Usage, def)
	}
}
