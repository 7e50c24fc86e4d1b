package testenv

import (
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/require"
)

func TestStartBusOwnsAName(t *testing.T) {
	bus := StartBus(t)
	conn := bus.Conn(t)
	reply, err := conn.RequestName("org.continuo.Test", dbus.NameFlagDoNotQueue)
	require.NoError(t, err)
	require.Equal(t, dbus.RequestNameReplyPrimaryOwner, reply)

	other := bus.Conn(t)
	var owner string
	require.NoError(t, other.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, "org.continuo.Test").Store(&owner))
	require.Equal(t, conn.Names()[0], owner)
}
