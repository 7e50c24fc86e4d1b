package busapi

import (
	"context"
	"os"
	"os/user"
	"slices"
	"strconv"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/music"
)

// Access says who may call the privileged parts of the API (ForgetProfile,
// setting properties). The D-Bus policy file is the first gate; this check
// is the second, so a misconfigured policy does not open them.
type Access struct {
	UIDs   []uint32 // privileged user ids (root is always privileged)
	Groups []string // privileged group names, e.g. "continuo"
	// AllowOwnUID admits callers running as the daemon's own user: on a
	// session bus that is the driver's own session.
	AllowOwnUID bool
	// lookupGroups returns the group names of a uid; nil means os/user.
	lookupGroups func(uid uint32) ([]string, error)
}

// Allowed reports whether a caller with this uid may make privileged calls.
func (a Access) Allowed(uid uint32) bool {
	if uid == 0 || slices.Contains(a.UIDs, uid) || (a.AllowOwnUID && int(uid) == os.Getuid()) {
		return true
	}
	if len(a.Groups) == 0 {
		return false
	}
	lookup := a.lookupGroups
	if lookup == nil {
		lookup = groupsOf
	}
	names, err := lookup(uid)
	if err != nil {
		return false
	}
	for _, g := range names {
		if slices.Contains(a.Groups, g) {
			return true
		}
	}
	return false
}

func groupsOf(uid uint32) ([]string, error) {
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return nil, err
	}
	ids, err := u.GroupIds()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, id := range ids {
		if g, err := user.LookupGroupId(id); err == nil {
			names = append(names, g.Name)
		}
	}
	return names, nil
}

// authorize asks the bus for the caller's uid and checks it.
func (s *Server) authorize(ctx context.Context, sender dbus.Sender) error {
	var uid uint32
	err := s.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetConnectionUnixUser", 0, string(sender)).Store(&uid)
	if err != nil {
		return music.WrapKind(music.KindAccessDenied, err, "cannot identify the caller")
	}
	if !s.opts.Access.Allowed(uid) {
		s.log.Warn().Uint32("uid", uid).Msg("privileged call refused")
		return music.Errorf(music.KindAccessDenied, "uid %d may not do this (privileged: root, configured uids and groups)", uid)
	}
	return nil
}
