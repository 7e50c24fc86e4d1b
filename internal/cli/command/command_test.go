package command

import (
	"bytes"
	"context"
	"flag"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testProgram is a small table exercising every feature of the package.
func testProgram(ran *[]string) *Program {
	record := func(ctx context.Context, fs *flag.FlagSet, o IO) int {
		*ran = append(*ran, fs.Name()+":"+strings.Join(fs.Args(), ","))
		return ExitOK
	}
	p := &Program{
		Name: "prog", Summary: "A test program.", Version: "1.2.3",
		Globals: []Flag{{Name: "json", Default: false, Usage: "JSON"}, {Name: "timeout", Default: time.Second, Usage: "deadline"}},
		Commands: []*Command{
			{Name: "rate", Summary: "rate a track", Run: record,
				Operands: []Operand{{Name: "ID"}, {Name: "VERDICT", Choices: []string{"like", "dislike"}}},
				Flags: []Flag{
					{Name: "n", Default: 10, Usage: "count", Min: Range(1), Max: Range(100)},
					{Name: "mood", Default: "", Choices: []string{"calm", "lively"}, Usage: "mood"},
				}},
			{Name: "find", Summary: "find", Run: record, Operands: []Operand{{Name: "QUERY", Many: true}}},
			{Name: "group", Summary: "a group", Sub: []*Command{
				{Name: "build", Summary: "build", Run: record, Operands: []Operand{{Name: "SOURCE", Many: true, File: true}},
					Flags: []Flag{{Name: "out", Default: "", Value: "FILE", Required: true, File: true, Usage: "output"}}},
			}},
		},
		Groups: []Group{{Title: "Commands", Commands: []string{"rate", "find", "group", "help"}}},
	}
	p.Commands = append(p.Commands, p.HelpCommand(), p.VersionCommand(), p.CompletionCommand(), p.ManCommand())
	return p
}

func TestRun(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		code   int
		ran    string // fs name and operands of the command that ran
		stdout string
		stderr string
	}{
		{"ok", []string{"rate", "t1", "like"}, ExitOK, "prog rate:t1,like", "", ""},
		{"flags after operands", []string{"group", "build", "a.csv", "--out", "x", "b.csv"}, ExitOK, "prog group build:a.csv,b.csv", "", ""},
		{"double dash", []string{"find", "--", "-n", "x"}, ExitOK, "prog find:-n,x", "", ""},
		{"global after command", []string{"find", "--json", "q"}, ExitOK, "prog find:q", "", ""},
		{"global before command", []string{"--json", "find", "q"}, ExitOK, "prog find:q", "", ""},
		{"help", []string{"--help"}, ExitOK, "", "usage: prog [--json] [--timeout DURATION] COMMAND", ""},
		{"help lists exit codes", []string{"-h"}, ExitOK, "", "Exit status:\n  0  success", ""},
		{"command help", []string{"rate", "--help"}, ExitOK, "", "usage: prog rate [-n N] [--mood calm|lively] ID like|dislike", ""},
		{"help command", []string{"help", "group", "build"}, ExitOK, "", "usage: prog group build --out FILE SOURCE...", ""},
		{"group help", []string{"group", "--help"}, ExitOK, "", "build      build", ""},
		{"version flag", []string{"--version"}, ExitOK, "", "prog 1.2.3\n", ""},
		{"version command", []string{"version"}, ExitOK, "", "prog 1.2.3\n", ""},
		{"no command", nil, ExitUsage, "", "", "missing COMMAND"},
		{"unknown command", []string{"frob"}, ExitUsage, "", "", `unknown command "frob"`},
		{"unknown flag", []string{"rate", "--frob", "t", "like"}, ExitUsage, "", "", "frob"},
		{"extra operand", []string{"rate", "t", "like", "extra"}, ExitUsage, "", "", `unexpected argument "extra"`},
		{"missing operand", []string{"rate", "t"}, ExitUsage, "", "", "missing VERDICT"},
		{"bad choice operand", []string{"rate", "t", "lov"}, ExitUsage, "", "", `VERDICT "lov": want one of like, dislike`},
		{"bad choice flag", []string{"rate", "--mood", "angry", "t", "like"}, ExitUsage, "", "", `--mood "angry"`},
		{"above range", []string{"rate", "-n", "100000", "t", "like"}, ExitUsage, "", "", "-n 100000: want 1..100"},
		{"below range", []string{"rate", "-n", "0", "t", "like"}, ExitUsage, "", "", "-n 0: want 1..100"},
		{"not a number", []string{"rate", "-n", "x", "t", "like"}, ExitUsage, "", "", "invalid value"},
		{"required flag", []string{"group", "build", "a.csv"}, ExitUsage, "", "", "missing --out FILE"},
		{"missing subcommand", []string{"group"}, ExitUsage, "", "", "missing subcommand"},
		{"usage shows synopsis", []string{"find"}, ExitUsage, "", "", "usage: prog find QUERY..."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ran []string
			var out, errOut bytes.Buffer
			code := testProgram(&ran).Run(context.Background(), tc.args, IO{Stdout: &out, Stderr: &errOut})
			assert.Equal(t, tc.code, code, "stderr: %s", errOut.String())
			if tc.ran != "" {
				assert.Equal(t, []string{tc.ran}, ran)
			} else {
				assert.Empty(t, ran, "nothing runs on help or a usage error")
			}
			assert.Contains(t, out.String(), tc.stdout)
			assert.Contains(t, errOut.String(), tc.stderr)
			if code == ExitUsage {
				assert.Empty(t, out.String(), "usage errors go to stderr")
			}
		})
	}
}

// complete runs the generated bash completion function on a command line
// (the cursor at its end) and returns what it offers.
func complete(t *testing.T, script string, line ...string) []string {
	t.Helper()
	words := "prog " + strings.Join(line, " ")
	if line[len(line)-1] == "" {
		words += "''"
	}
	cmd := exec.Command("bash", "-c", script+"\nCOMP_WORDS=("+words+"); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _prog; printf '%s\\n' \"${COMPREPLY[@]}\"")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return strings.Fields(string(out))
}

func TestBashCompletion(t *testing.T) {
	var script bytes.Buffer
	require.NoError(t, testProgram(new([]string)).WriteCompletion(&script, "bash"))
	require.NoError(t, exec.Command("bash", "-n", "-c", script.String()).Run(), "valid bash")
	cases := []struct {
		line []string
		want []string
	}{
		{[]string{""}, []string{"rate", "find", "group", "help", "version", "completion", "man"}},
		{[]string{"gr"}, []string{"group"}},
		{[]string{"group", ""}, []string{"build"}},
		{[]string{"rate", "t1", ""}, []string{"like", "dislike"}},
		{[]string{"rate", "--mood", ""}, []string{"calm", "lively"}},
		{[]string{"rate", "--"}, []string{"--help", "--json", "--timeout", "--mood"}},
		{[]string{"--json", "rate", "-n", ""}, []string{}},
		{[]string{"completion", ""}, []string{"bash", "zsh"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.line, " "), func(t *testing.T) {
			got := complete(t, script.String(), tc.line...)
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
			if len(tc.want) == 0 {
				assert.Empty(t, got)
			}
		})
	}
}

func TestZshCompletionAndMan(t *testing.T) {
	p := testProgram(new([]string))
	var zsh, man bytes.Buffer
	require.NoError(t, p.WriteCompletion(&zsh, "zsh"))
	assert.True(t, strings.HasPrefix(zsh.String(), "#compdef prog\n"))
	assert.Contains(t, zsh.String(), "compadd -- like dislike")
	if _, err := exec.LookPath("zsh"); err == nil {
		out, err := exec.Command("zsh", "-n", "-c", zsh.String()).CombinedOutput()
		require.NoError(t, err, "valid zsh: %s", out)
	}
	require.Error(t, p.WriteCompletion(&zsh, "fish"))

	require.NoError(t, p.WriteMan(&man))
	for _, want := range []string{".TH PROG 1", ".SH SYNOPSIS", "group build", `\-\-out FILE`, ".SH EXIT STATUS"} {
		assert.Contains(t, man.String(), want)
	}
	if _, err := exec.LookPath("groff"); err == nil {
		cmd := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z")
		cmd.Stdin = &man
		out, err := cmd.CombinedOutput()
		require.NoError(t, err)
		assert.Empty(t, string(out), "groff warnings")
	}
}

// FuzzRun: any command line gets an exit code of the table and never a
// panic; usage errors print nothing on stdout.
func FuzzRun(f *testing.F) {
	for _, s := range []string{"rate\x00t\x00like", "rate\x00-n\x00100000\x00t\x00like", "--help", "group\x00build\x00--out\x00x\x00a",
		"find\x00--\x00-n", "help\x00group\x00build", "--version", "rate\x00--mood=angry", "completion\x00zsh", "man", "\x00", "--timeout\x00-1s\x00find\x00q"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var ran []string
		var out, errOut bytes.Buffer
		code := testProgram(&ran).Run(context.Background(), strings.Split(line, "\x00"), IO{Stdout: &out, Stderr: &errOut})
		require.Contains(t, []int{ExitOK, ExitUsage}, code)
		if code == ExitUsage {
			require.Empty(t, out.String())
			require.NotEmpty(t, errOut.String())
			require.Empty(t, ran, "nothing runs after a usage error")
		}
	})
}
