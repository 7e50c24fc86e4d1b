package remotecmd

import "github.com/continuo/continuo/internal/cli/command"

// The web command's summary and flags, the same with or without the view
// built in, so help, completion and the man page do not depend on the tag.
const webSummary = "serve a live view of the drive to a browser (loopback only)"

func webFlags(defaultListen string) []command.Flag {
	return []command.Flag{
		{Name: "listen", Default: defaultListen, Value: "HOST:PORT", Usage: "address to serve on (loopback unless --allow-remote)"},
		{Name: "allow-remote", Default: false, Usage: "allow a non-loopback --listen: anyone who can reach it can play music and change settings"},
	}
}
