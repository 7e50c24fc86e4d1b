#!/usr/bin/python3
"""Continuo example client in Python with Debian's python3-dbus (dbus-python).

Connects to the bus in DBUS_SESSION_BUS_ADDRESS, reads the Version and
CatalogSize properties, resolves a spoken request, asks for recommendations
and tries to play, handling errors by their D-Bus name (docs/api.md#errors).
`make test` runs it against a daemon on a private bus
(internal/daemon/clients_test.go).

    apt-get install python3-dbus
    DBUS_SESSION_BUS_ADDRESS=unix:path=... /usr/bin/python3 docs/examples/client.py
"""
import os
import sys

import dbus

BUS_NAME = "org.continuo.Recommender1"
PATH = "/org/continuo/Recommender1"
IFACE = "org.continuo.Recommender1"
TIMEOUT = 10.0  # seconds; every call has a deadline

# Error names are append-only (docs/api.md#versioning): a client reacts to
# the ones it knows and treats any other like Internal.
ERROR = "org.continuo.Error."


def describe(err):
    """One line for a failed call, by error name."""
    name = err.get_dbus_name() or ""
    short = name[len(ERROR):] if name.startswith(ERROR) else name
    return f"{short}: {err.get_dbus_message()}"


def main():
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if not address:
        print("client.py: DBUS_SESSION_BUS_ADDRESS is not set", file=sys.stderr)
        return 2
    bus = dbus.bus.BusConnection(address)
    obj = bus.get_object(BUS_NAME, PATH, introspect=False)
    props = dbus.Interface(obj, dbus.PROPERTIES_IFACE)
    api = dbus.Interface(obj, IFACE)

    print(f"version {props.Get(IFACE, 'Version', timeout=TIMEOUT)}")
    print(f"catalog {int(props.Get(IFACE, 'CatalogSize', timeout=TIMEOUT))} tracks")

    readings = api.Resolve("scene swan lake", dbus.UInt32(3), timeout=TIMEOUT)
    if not readings:
        print("resolve: nothing found")
    else:
        top = readings[0]
        print(f"resolve: {top['xesam:title']} match={top['continuo:match']} "
              f"confidence={float(top['continuo:confidence']):.2f}")

    try:
        tracks = api.Recommend("", dbus.UInt32(3), dbus.Dictionary({}, signature="sv"), timeout=TIMEOUT)
        print(f"recommend: {len(tracks)} tracks")
        for i, t in enumerate(tracks, 1):
            print(f"recommend {i}: {t['xesam:title']}")
    except dbus.exceptions.DBusException as err:
        if err.get_dbus_name() == ERROR + "NoPlayer":
            print("recommend: no player is running; start one and retry")
        else:
            print(f"recommend failed: {describe(err)}", file=sys.stderr)
            return 1

    # Play needs a running MPRIS player: without one it fails with NoPlayer,
    # which an HMI shows as "start a player" rather than as a fault.
    try:
        track = api.Play("scene swan lake", timeout=TIMEOUT)
        print(f"play: {track['xesam:title']}")
    except dbus.exceptions.DBusException as err:
        name = err.get_dbus_name()
        if name == ERROR + "NoPlayer":
            print(f"play: NoPlayer: {err.get_dbus_message()}")
        elif name == ERROR + "NotFound":
            print(f"play: not understood: {err.get_dbus_message()}")
        else:
            print(f"play failed: {describe(err)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
