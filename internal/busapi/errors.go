package busapi

import (
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/music"
)

// errorNames is the one table from error kinds to D-Bus error names. The
// names are a wire contract: append, never rename or remove.
var errorNames = map[music.Kind]string{
	music.KindInternal:     "org.continuo.Error.Internal",
	music.KindNotFound:     "org.continuo.Error.NotFound",
	music.KindInvalid:      "org.continuo.Error.InvalidArgument",
	music.KindNoPlayer:     "org.continuo.Error.NoPlayer",
	music.KindAccessDenied: "org.continuo.Error.AccessDenied",
	music.KindUnavailable:  "org.continuo.Error.Unavailable",
}

// KindOfName is the reverse lookup, for clients (continuoctl, the emulator).
func KindOfName(name string) (music.Kind, bool) {
	for k, n := range errorNames {
		if n == name {
			return k, true
		}
	}
	return music.KindInternal, false
}

// toDBus translates an error once, at the edge. Internal errors keep their
// detail in the log, not on the bus.
func (s *Server) toDBus(method string, err error) *dbus.Error {
	if err == nil {
		return nil
	}
	kind := music.KindOf(err)
	if kind == music.KindInternal {
		s.log.Error().Err(err).Str("method", method).Msg("internal error")
	} else {
		s.log.Debug().Err(err).Str("method", method).Msg("call failed")
	}
	return dbus.NewError(errorNames[kind], []any{music.MessageOf(err)})
}

func invalid(format string, args ...any) *dbus.Error {
	return dbus.NewError(errorNames[music.KindInvalid], []any{music.Errorf(music.KindInvalid, format, args...).Error()})
}

// Standard errors of the D-Bus specification, used where it defines one:
// a wrong argument signature and the Properties interface.
const (
	nameInvalidArgs      = "org.freedesktop.DBus.Error.InvalidArgs"
	nameUnknownInterface = "org.freedesktop.DBus.Error.UnknownInterface"
	nameUnknownProperty  = "org.freedesktop.DBus.Error.UnknownProperty"
	namePropertyReadOnly = "org.freedesktop.DBus.Error.PropertyReadOnly"
)

// nameInternal is errorNames[KindInternal], for the few places that build
// an internal error without a Go error to translate.
const nameInternal = "org.continuo.Error.Internal"

func invalidArgs(format string, args ...any) *dbus.Error {
	return standardError(nameInvalidArgs, format, args...)
}

func standardError(name, format string, args ...any) *dbus.Error {
	return dbus.NewError(name, []any{fmt.Sprintf(format, args...)})
}
