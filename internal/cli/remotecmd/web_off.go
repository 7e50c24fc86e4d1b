//go:build nowebview

package remotecmd

import (
	"context"
	"flag"
	"fmt"

	"github.com/continuo/continuo/internal/cli/command"
	"github.com/continuo/continuo/internal/cli/output"
)

// webCommand, in a build without the live view (-tags nowebview, for head
// units short of flash), keeps the command in the table and says why it
// does nothing.
func webCommand() *command.Command {
	return &command.Command{
		Name: "web", Summary: webSummary, Flags: webFlags("127.0.0.1:8080"),
		Run: func(_ context.Context, _ *flag.FlagSet, o command.IO) int {
			fmt.Fprintln(o.Stderr, "continuoctl web: this continuoctl was built without the live view (-tags nowebview)")
			return output.ExitError
		},
	}
}
