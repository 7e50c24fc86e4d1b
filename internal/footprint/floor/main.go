// Command floor is the footprint harness's baseline: the least a Go process
// on D-Bus can be. It connects to $DBUS_SESSION_BUS_ADDRESS, takes the bus
// name given as its only argument and waits for SIGTERM or SIGINT. Its
// start → name time and RSS are what continuod's are divided by.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/godbus/dbus/v5"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: floor BUS_NAME")
		os.Exit(2)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	conn, err := dbus.Connect(os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "floor: connect: %v\n", err)
		os.Exit(1)
	}
	defer conn.Close()
	reply, err := conn.RequestName(os.Args[1], dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		fmt.Fprintf(os.Stderr, "floor: request name %s: reply %v, %v\n", os.Args[1], reply, err)
		os.Exit(1)
	}
	<-stop
}
