package command

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// FlagPage is the man page of a program configured by flags alone
// (continuod, continuo-emu), generated from its flag.FlagSet, so the page
// lists exactly the flags the program parses.
type FlagPage struct {
	Name        string
	Section     int    // 8 for the daemon, 1 for tools
	Summary     string // the NAME line
	Synopsis    string // after the name
	Description string // paragraphs separated by blank lines
	Flags       *flag.FlagSet
	Hidden      []string // flags left out (the one that prints this page)
	Exit        []ExitCode
	SeeAlso     []string // "continuoctl(1)"
}

// ExitCode is one row of an EXIT STATUS section.
type ExitCode struct {
	Code    int
	Meaning string
}

// Write writes the page as roff.
func (m FlagPage) Write(w io.Writer, version string) error {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH %s %d \"\" \"%s %s\"\n", strings.ToUpper(m.Name), m.Section, m.Name, roff(version))
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", m.Name, roff(m.Summary))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.B %s\n%s\n", m.Name, roff(m.Synopsis))
	b.WriteString(".SH DESCRIPTION\n")
	for i, p := range strings.Split(strings.TrimSpace(m.Description), "\n\n") {
		if i > 0 {
			b.WriteString(".PP\n")
		}
		b.WriteString(roff(p) + "\n")
	}
	b.WriteString(".SH OPTIONS\n")
	m.Flags.VisitAll(func(f *flag.Flag) {
		if slices.Contains(m.Hidden, f.Name) {
			return
		}
		name, usage := flag.UnquoteUsage(f)
		head := "\\-\\-" + roff(f.Name)
		if name != "" {
			head += " " + roff(strings.ToUpper(name))
		}
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", head, roff(usage))
	})
	b.WriteString(".SH EXIT STATUS\n")
	for _, e := range m.Exit {
		fmt.Fprintf(&b, ".TP\n.B %d\n%s\n", e.Code, roff(e.Meaning))
	}
	if len(m.SeeAlso) > 0 {
		b.WriteString(".SH SEE ALSO\n")
		for i, s := range m.SeeAlso {
			page, sec, _ := strings.Cut(strings.TrimSuffix(s, ")"), "(")
			sep := ","
			if i == len(m.SeeAlso)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, ".BR %s (%s)%s\n", page, sec, sep)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// PrintFlags writes fs's flags for --help ("  --name VALUE  usage (default
// x)"), leaving out hidden ones.
func PrintFlags(w io.Writer, fs *flag.FlagSet, hidden ...string) {
	fs.VisitAll(func(f *flag.Flag) {
		if slices.Contains(hidden, f.Name) {
			return
		}
		name, usage := flag.UnquoteUsage(f)
		head := "--" + f.Name
		if name != "" {
			head += " " + strings.ToUpper(name)
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  %-24s %s%s\n", head, usage, def)
	})
}
