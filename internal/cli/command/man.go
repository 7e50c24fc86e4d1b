package command

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// ManCommand is `man`: it prints the man page (roff) generated from p's
// table; make install writes it to /usr/share/man/man1/.
func (p *Program) ManCommand() *Command {
	return &Command{
		Name: "man", Summary: "print the man page (roff)",
		Detail: "man -l <(continuoctl man) shows it; make install installs it.",
		Run: func(ctx context.Context, fs *flag.FlagSet, o IO) int {
			if err := p.WriteMan(o.Stdout); err != nil {
				fmt.Fprintf(o.Stderr, "%s: %v\n", p.Name, err)
				return ExitError
			}
			return ExitOK
		},
	}
}

// WriteMan writes p's man page in section 1.
func (p *Program) WriteMan(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH %s 1 \"\" \"%s %s\" \"User Commands\"\n", strings.ToUpper(p.Name), p.Name, roff(p.Version))
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", p.Name, roff(strings.TrimSuffix(p.Summary, ".")))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.B %s\n%s\n.I COMMAND\n.RI [ ARGS ]\n", p.Name, roff(globalsSynopsis(p.Globals)))
	b.WriteString(".SH GLOBAL OPTIONS\n")
	manFlags(&b, p.Globals)
	b.WriteString(".SH COMMANDS\n")
	var walk func(prefix string, cmds []*Command)
	walk = func(prefix string, cmds []*Command) {
		for _, c := range cmds {
			if c.Hidden {
				continue
			}
			name := strings.TrimSpace(prefix + " " + c.Name)
			if len(c.Sub) > 0 {
				walk(name, c.Sub)
				continue
			}
			fmt.Fprintf(&b, ".TP\n.B %s %s\n%s\n", name, roff(c.Synopsis()), roff(c.Summary))
			if c.Detail != "" {
				fmt.Fprintf(&b, ".br\n%s\n", roff(strings.TrimSpace(c.Detail)))
			}
			if len(c.Flags) > 0 {
				b.WriteString(".RS\n")
				manFlags(&b, c.Flags)
				b.WriteString(".RE\n")
			}
		}
	}
	walk("", p.Commands)
	b.WriteString(".SH EXIT STATUS\n")
	for _, e := range ExitCodes {
		fmt.Fprintf(&b, ".TP\n.B %d\n%s\n", e.Code, roff(e.Meaning))
	}
	fmt.Fprintf(&b, ".SH SEE ALSO\n.BR continuod (8),\n.BR continuo-emu (1)\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func manFlags(b *strings.Builder, fl []Flag) {
	for _, f := range fl {
		fmt.Fprintf(b, ".TP\n.B %s\n%s\n", roff(f.synopsis()), roff(f.Usage))
	}
}

// roff escapes text for a man page: backslashes, and a leading dot or
// quote that roff would read as a request.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}
