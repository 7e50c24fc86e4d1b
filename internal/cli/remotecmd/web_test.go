//go:build !nowebview

package remotecmd

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/cli/command"
	"github.com/continuo/continuo/internal/cli/output"
	"github.com/continuo/continuo/internal/testenv"
)

func runCtl(ctx context.Context, stdout, stderr *testenv.Buffer, args ...string) int {
	p := &command.Program{Name: "continuoctl", Globals: GlobalFlags, Commands: Commands()}
	return p.Run(ctx, args, command.IO{Stdout: stdout, Stderr: stderr})
}

func TestWebRefusesARemoteAddress(t *testing.T) {
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"web", "--listen", "0.0.0.0:8080"}, output.ExitUsage, "needs --allow-remote"},
		{[]string{"web", "--listen", "8080"}, output.ExitUsage, "want host:port"},
		{[]string{"web", "extra"}, output.ExitUsage, ""},
	}
	for _, c := range cases {
		var out, errOut testenv.Buffer
		// No bus: the address is refused before a bus is looked for.
		code := runCtl(context.Background(), &out, &errOut, append([]string{"--bus", "unix:path=/nonexistent"}, c.args...)...)
		assert.Equal(t, c.code, code, "%v: %s", c.args, errOut.String())
		assert.Contains(t, errOut.String(), c.msg, c.args)
	}
}

// `continuoctl web` serves until its context ends, then exits 0.
func TestWebServesUntilStopped(t *testing.T) {
	bus := testenv.StartBus(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut testenv.Buffer
	done := make(chan int, 1)
	go func() { done <- runCtl(ctx, &out, &errOut, "--bus", bus.Address, "web", "--listen", "127.0.0.1:0") }()
	var url string
	testenv.WaitFor(t, 30*time.Second, func() bool {
		url, _ = strings.CutPrefix(strings.TrimSpace(out.String()), "live view: ")
		return strings.HasPrefix(url, "http://127.0.0.1:")
	}, "continuoctl web prints its address")
	resp, err := http.Get(url)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	cancel()
	assert.Equal(t, output.ExitOK, <-done, errOut.String())
}
