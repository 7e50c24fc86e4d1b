package daemon_test

import (
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/testenv"
)

// TestQueuePropertyFollowsTheQueue: a client that starts late reads the
// queue from the Queue property, and PropertiesChanged announces each new
// queue with the same tracks QueueUpdated carries.
func TestQueuePropertyFollowsTheQueue(t *testing.T) {
	e := startDaemon(t)
	e.startEmu(t, 1)
	sigs := make(chan *dbus.Signal, 64)
	e.client.Signal(sigs)
	require.NoError(t, e.client.AddMatchSignal(dbus.WithMatchObjectPath(busapi.Path)))

	require.NoError(t, e.call("Play", "scene swan lake").Err)
	changed := waitQueueChanged(t, sigs)
	require.NotEmpty(t, changed, "PropertiesChanged carries the new queue")
	for _, d := range changed {
		assert.NotEmpty(t, d["continuo:reason"].Value(), "each queued track says why")
	}

	// A late client: the property holds what the daemon queued.
	testenv.WaitFor(t, deadline, func() bool { return len(e.core.State().Queue) >= 3 }, "three tracks queued ahead")
	var v dbus.Variant
	require.NoError(t, e.obj.Call("org.freedesktop.DBus.Properties.Get", 0, busapi.Interface, "Queue").Store(&v))
	queue, ok := v.Value().([]map[string]dbus.Variant)
	require.True(t, ok, "Queue is aa{sv}, got %s", v.Signature())
	var ids []string
	for _, d := range queue {
		id, _ := d["continuo:id"].Value().(string)
		ids = append(ids, id)
	}
	var want []string
	for _, id := range e.queueIDs() {
		want = append(want, string(id))
	}
	assert.Equal(t, want, ids)
}

// waitQueueChanged returns the Queue of the first PropertiesChanged that
// has a non-empty one.
func waitQueueChanged(t *testing.T, sigs chan *dbus.Signal) []map[string]dbus.Variant {
	t.Helper()
	queue := func(changed map[string]dbus.Variant) []map[string]dbus.Variant {
		d, _ := changed["Queue"].Value().([]map[string]dbus.Variant)
		return d
	}
	return queue(waitPropertiesChanged(t, sigs, "a Queue", func(changed map[string]dbus.Variant) bool {
		return len(queue(changed)) > 0
	}))
}
