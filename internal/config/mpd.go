package config

import (
	"net"
	"strings"
)

// The MPD client conventions (mpc(1), libmpdclient): MPD_HOST is a host
// name, an absolute socket path or "@abstract", optionally preceded by
// "password@"; MPD_PORT is the TCP port (default 6600).
const (
	defaultMPDHost = "localhost"
	defaultMPDPort = "6600"
)

// ApplyMPDEnv fills [players.mpd] from MPD_HOST and MPD_PORT (getenv is
// os.Getenv) for what the file leaves unset: the file wins, so a system
// config is not overridden by a stray variable, and the environment serves
// the user unit and a developer's shell as it serves mpc. Nothing changes
// when neither variable is set.
func (c *Config) ApplyMPDEnv(getenv func(string) string) {
	host, port := getenv("MPD_HOST"), getenv("MPD_PORT")
	if host == "" && port == "" {
		return
	}
	addr, password := ParseMPDHost(host, port)
	p := c.Players["mpd"]
	if p.MPDAddress == "" {
		p.MPDAddress = addr
		if p.MPDPassword == "" {
			p.MPDPassword = password
		}
	}
	if c.Players == nil {
		c.Players = map[string]PlayerConfig{}
	}
	c.Players["mpd"] = p
}

// ParseMPDHost turns MPD_HOST and MPD_PORT into an address for
// players.*.mpd_address and a password. The password is what precedes the
// first "@" that is not the first character, as in libmpdclient, so
// "@abstract" is an abstract socket and "secret@@abstract" one with a
// password.
func ParseMPDHost(host, port string) (addr, password string) {
	if i := strings.Index(host, "@"); i > 0 {
		password, host = host[:i], host[i+1:]
	}
	if host == "" {
		host = defaultMPDHost
	}
	if strings.HasPrefix(host, "/") || strings.HasPrefix(host, "@") {
		return host, password // a socket: no port
	}
	if port == "" {
		port = defaultMPDPort
	}
	return net.JoinHostPort(host, port), password
}

// Redacted returns c with secrets (MPD passwords) replaced, for printing.
func (c Config) Redacted() Config {
	players := make(map[string]PlayerConfig, len(c.Players))
	for name, p := range c.Players {
		if p.MPDPassword != "" {
			p.MPDPassword = "(hidden)"
		}
		players[name] = p
	}
	c.Players = players
	return c
}
