package config

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/testenv"
)

// The D-Bus policy installed for the system bus. It is tested here, next to
// the config it belongs with, by running a real dbus-daemon on it.
const policyFile = "../../configs/org.continuo.Recommender1.conf"

const (
	busName         = "org.continuo.Recommender1"
	errAccessDenied = "org.freedesktop.DBus.Error.AccessDenied"
)

// systemBusConfig is a private bus with the default policy of Debian's
// system.conf that matters here (no names owned, no method calls, except to
// the bus itself) and the policy under test included, as system.conf
// includes /usr/share/dbus-1/system.d/*.conf.
const systemBusConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:dir=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <include>%s</include>
</busconfig>
`

// startPolicyBus runs dbus-daemon with policy included and returns its
// address; a policy dbus-daemon cannot parse fails the test with its
// message.
func startPolicyBus(t *testing.T, policy []byte) string {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Fatalf("dbus-daemon not installed (apt-get install dbus): %v", err)
	}
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.conf")
	conf := filepath.Join(dir, "bus.conf")
	require.NoError(t, os.WriteFile(pol, policy, 0o600))
	require.NoError(t, os.WriteFile(conf, fmt.Appendf(nil, systemBusConfig, dir, pol), 0o600))

	cmd := exec.Command("dbus-daemon", "--nofork", "--print-address", "--config-file", conf)
	var stderr testenv.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// Reading the address is the readiness wait; EOF means it exited.
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Wait()
		t.Fatalf("dbus-daemon rejected the policy: %v: %s", err, stderr.String())
	}
	return strings.TrimSpace(line)
}

func connect(t *testing.T, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func TestDBusPolicyParses(t *testing.T) {
	b, err := os.ReadFile(policyFile)
	require.NoError(t, err)
	addr := startPolicyBus(t, b)
	connect(t, addr) // the bus works with the policy loaded
}

// TestDBusPolicyRules checks who may own the name and call what. The test
// cannot switch users, so it rewrites the policy's user and group names to
// ones that put the test's own user inside or outside each rule, and leaves
// the rules themselves as shipped.
func TestDBusPolicyRules(t *testing.T) {
	b, err := os.ReadFile(policyFile)
	require.NoError(t, err)
	me, err := user.Current()
	require.NoError(t, err)
	myGroup, err := user.LookupGroupId(me.Gid)
	require.NoError(t, err)
	outsider := groupNotOf(t, me)
	// root's rule must not apply to the test's user.
	notMe := "root"
	if me.Uid == "0" {
		notMe = "nobody"
	}
	rewrite := func(owner, group string) []byte {
		return []byte(strings.NewReplacer(
			`user="root"`, fmt.Sprintf("user=%q", notMe),
			`user="continuo"`, fmt.Sprintf("user=%q", owner),
			`group="continuo"`, fmt.Sprintf("group=%q", group),
		).Replace(string(b)))
	}

	public := []struct{ iface, member string }{
		{busName, "Resolve"}, {busName, "Recommend"}, {busName, "Play"}, {busName, "Feedback"},
		{busName, "Explain"},
		{"org.freedesktop.DBus.Properties", "Get"}, {"org.freedesktop.DBus.Properties", "GetAll"},
		{"org.freedesktop.DBus.Introspectable", "Introspect"}, {"org.freedesktop.DBus.Peer", "Ping"},
	}
	privileged := []struct{ iface, member string }{
		{busName, "ForgetProfile"}, {"org.freedesktop.DBus.Properties", "Set"},
		{busName, "History"}, {busName, "HistoryPage"}, {busName, "Feedbacks"}, {busName, "ExportProfile"},
		{busName, "SetContext"},
	}

	tests := []struct {
		name       string
		group      string // what group="continuo" becomes
		privileged bool   // the caller is in that group
	}{
		{"caller in group continuo", myGroup.Name, true},
		{"caller outside group continuo", outsider, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := startPolicyBus(t, rewrite(me.Username, tt.group))
			owner := connect(t, addr)
			reply, err := owner.RequestName(busName, dbus.NameFlagDoNotQueue)
			require.NoError(t, err, "the daemon's user may own the name")
			require.Equal(t, dbus.RequestNameReplyPrimaryOwner, reply)

			caller := connect(t, addr)
			obj := caller.Object(busName, "/org/continuo/Recommender1")
			denied := func(iface, member string) bool {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				// Arguments do not matter: the owner answers with an
				// error (nothing is exported), the bus with AccessDenied.
				err := obj.CallWithContext(ctx, iface+"."+member, 0).Err
				require.NotErrorIs(t, err, context.DeadlineExceeded)
				var dErr dbus.Error
				return errors.As(err, &dErr) && dErr.Name == errAccessDenied
			}
			for _, m := range public {
				assert.False(t, denied(m.iface, m.member), "%s.%s must be open to everyone", m.iface, m.member)
			}
			for _, m := range privileged {
				assert.Equal(t, !tt.privileged, denied(m.iface, m.member), "%s.%s privileged=%v", m.iface, m.member, tt.privileged)
			}
			assert.True(t, denied(busName, "NoSuchMethod"), "methods not listed are denied")
		})
	}

	t.Run("only user continuo owns the name", func(t *testing.T) {
		addr := startPolicyBus(t, rewrite(notMe, myGroup.Name))
		_, err := connect(t, addr).RequestName(busName, dbus.NameFlagDoNotQueue)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "not allowed to own")
	})
}

// groupNotOf returns an existing group u is not a member of.
func groupNotOf(t *testing.T, u *user.User) string {
	t.Helper()
	mine, err := u.GroupIds()
	require.NoError(t, err)
	for _, name := range []string{"nogroup", "daemon", "bin", "sys", "adm", "games", "mail"} {
		g, err := user.LookupGroup(name)
		if err == nil && !slices.Contains(mine, g.Gid) {
			return name
		}
	}
	t.Skip("no group found that the test user is not a member of")
	return ""
}
