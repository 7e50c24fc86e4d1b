package busapi

import (
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
