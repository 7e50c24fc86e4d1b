package daemon

import (
	"fmt"
	"os"
	"strings"
)

// BusAddress turns the config's bus setting into an address: "session" and
// "system" mean the usual environment variables and socket; anything else is
// an address. It never autolaunches a bus.
func BusAddress(bus string) (string, error) {
	switch bus {
	case "", "session":
		if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" {
			return a, nil
		}
		if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
			if _, err := os.Stat(dir + "/bus"); err == nil {
				return "unix:path=" + dir + "/bus", nil
			}
		}
		return "", fmt.Errorf("no session bus: DBUS_SESSION_BUS_ADDRESS is not set")
	case "system":
		if a := os.Getenv("DBUS_SYSTEM_BUS_ADDRESS"); a != "" {
			return a, nil
		}
		return "unix:path=/run/dbus/system_bus_socket", nil
	}
	if !strings.Contains(bus, ":") {
		return "", fmt.Errorf("bus %q: want session, system or a D-Bus address such as unix:path=/run/bus", bus)
	}
	return bus, nil
}
