// Package mpd is a small client for the Music Player Daemon protocol over
// TCP or a unix socket. Continuo uses it to append to MPD's queue, which
// mpDris2's MPRIS side cannot do (no TrackList, OpenUri broken).
//
// It is hand-written on purpose: the protocol is line-based and tiny
// (greeting "OK MPD x.y.z", quoted commands, "key: value" replies ending in
// OK or ACK), and Continuo needs six commands. One connection at a time,
// calls serialised, a deadline on every call, a fresh connection after any
// error.
package mpd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/continuo/continuo/internal/music"
)

// DefaultTimeout bounds a call (connect and greeting included) when the
// context has no earlier deadline.
const DefaultTimeout = 2 * time.Second

// Options configure a Client.
type Options struct {
	Timeout  time.Duration // per call; DefaultTimeout when 0
	Password string        // sent with "password" after connecting, if set
}

// Client talks to one MPD server. Safe for concurrent use.
type Client struct {
	network, addr string
	opts          Options

	mu      sync.Mutex
	conn    net.Conn
	r       *bufio.Reader
	version string
}

// New returns a client for addr: "host:port" for TCP, or an absolute path
// (or "@name" abstract socket) for a unix socket. It connects on first use.
func New(addr string, opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	network := "tcp"
	if strings.HasPrefix(addr, "/") || strings.HasPrefix(addr, "@") {
		network = "unix"
	}
	return &Client{network: network, addr: addr, opts: opts}
}

// Version is the server's protocol version from the last greeting ("" before
// the first call).
func (c *Client) Version() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version
}

// Close drops the connection; a later call reconnects.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropLocked()
	return nil
}

func (c *Client) dropLocked() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn, c.r = nil, nil
	}
}

// Command sends one command with its arguments (quoted here) and returns
// the reply's pairs. An ACK comes back as *AckError (wrapped).
func (c *Client) Command(ctx context.Context, name string, args ...string) ([]Pair, error) {
	line, err := commandLine(name, args)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()

	c.mu.Lock()
	defer c.mu.Unlock()
	reused := c.conn != nil
	pairs, err := c.roundTripLocked(ctx, name, line)
	if err != nil && reused && errors.Is(err, errNoReply) && ctx.Err() == nil {
		// MPD closes idle connections (connection_timeout, 60 s by
		// default). EOF before any reply on a reused connection means the
		// command was never read, so one retry cannot run it twice.
		pairs, err = c.roundTripLocked(ctx, name, line)
	}
	return pairs, err
}

func commandLine(name string, args []string) (string, error) {
	if name == "" || strings.ContainsAny(name, " \t\r\n\"") {
		return "", music.Errorf(music.KindInvalid, "mpd: bad command name %q", name)
	}
	var b strings.Builder
	b.WriteString(name)
	for _, a := range args {
		if strings.ContainsAny(a, "\r\n") || strings.ContainsRune(a, 0) {
			return "", music.Errorf(music.KindInvalid, "mpd: %s: argument contains a newline or NUL", name)
		}
		b.WriteByte(' ')
		b.WriteString(Quote(a))
	}
	b.WriteByte('\n')
	return b.String(), nil
}

func (c *Client) roundTripLocked(ctx context.Context, name, line string) ([]Pair, error) {
	if err := c.connectLocked(ctx); err != nil {
		return nil, err
	}
	// The deadline is the context's (zero: none), set on every call so a
	// reused connection never keeps an earlier call's expired deadline;
	// AfterFunc also unblocks a cancelled context.
	dl, _ := ctx.Deadline()
	_ = c.conn.SetDeadline(dl)
	conn := c.conn
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := c.conn.Write([]byte(line)); err != nil {
		c.dropLocked()
		return nil, fmt.Errorf("mpd: send %s: %w", name, c.ctxErr(ctx, err))
	}
	pairs, err := ReadResponse(c.r)
	if err != nil {
		var ack *AckError
		if errors.As(err, &ack) {
			return nil, err // the connection is still in sync
		}
		c.dropLocked()
		return nil, fmt.Errorf("mpd: %s: %w", name, c.ctxErr(ctx, err))
	}
	return pairs, nil
}

func (c *Client) ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return music.WrapKind(music.KindUnavailable, err, "no answer from %s in time", c.addr)
	}
	return err
}

func (c *Client) connectLocked(ctx context.Context) error {
	if c.conn != nil {
		return nil
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, c.network, c.addr)
	if err != nil {
		return music.WrapKind(music.KindUnavailable, err, "mpd: connect to %s", c.addr)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	r := bufio.NewReader(conn)
	greeting, err := readLine(r)
	if err != nil {
		_ = conn.Close()
		return music.WrapKind(music.KindUnavailable, err, "mpd: read greeting from %s", c.addr)
	}
	version, err := ParseGreeting(greeting)
	if err != nil {
		_ = conn.Close()
		return music.WrapKind(music.KindUnavailable, err, "mpd: %s", c.addr)
	}
	c.conn, c.r, c.version = conn, r, version
	if c.opts.Password != "" {
		if _, err := c.roundTripLocked(ctx, "password", "password "+Quote(c.opts.Password)+"\n"); err != nil {
			c.dropLocked()
			return music.WrapKind(music.KindAccessDenied, err, "mpd: password rejected by %s", c.addr)
		}
	}
	return nil
}

// Song is one queue entry.
type Song struct {
	File     string // relative to the music directory, or a URI
	ID       int    // stable queue id
	Pos      int    // position in the queue
	Title    string
	Artist   string
	Album    string
	Genre    string
	Duration time.Duration
}

// Status is the subset of "status" Continuo uses.
type Status struct {
	State          string // play, pause, stop
	Song, SongID   int    // current; -1 when none
	NextSongID     int    // -1 when none
	PlaylistLength int
	Elapsed        time.Duration
	Duration       time.Duration
	Updating       bool // a database update is running
}

// AddID adds uri (a path relative to the music directory, or a URL) to the
// queue at pos (append when pos < 0) and returns its song id.
func (c *Client) AddID(ctx context.Context, uri string, pos int) (int, error) {
	if uri == "" {
		return 0, music.Errorf(music.KindInvalid, "mpd: addid: empty uri")
	}
	args := []string{uri}
	if pos >= 0 {
		args = append(args, strconv.Itoa(pos))
	}
	pairs, err := c.Command(ctx, "addid", args...)
	if err != nil {
		return 0, err
	}
	for _, p := range pairs {
		if p.Key == "Id" {
			id, err := strconv.Atoi(p.Value)
			if err != nil {
				return 0, fmt.Errorf("mpd: addid: bad Id %q", clip(p.Value))
			}
			return id, nil
		}
	}
	return 0, errors.New("mpd: addid: reply has no Id")
}

// PlayID starts playing the song with the given id.
func (c *Client) PlayID(ctx context.Context, id int) error {
	_, err := c.Command(ctx, "playid", strconv.Itoa(id))
	return err
}

// DeleteID removes the song with the given id from the queue.
func (c *Client) DeleteID(ctx context.Context, id int) error {
	_, err := c.Command(ctx, "deleteid", strconv.Itoa(id))
	return err
}

// Clear empties the queue.
func (c *Client) Clear(ctx context.Context) error {
	_, err := c.Command(ctx, "clear")
	return err
}

// Status reads the player status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	pairs, err := c.Command(ctx, "status")
	if err != nil {
		return Status{}, err
	}
	return parseStatus(pairs), nil
}

func parseStatus(pairs []Pair) Status {
	st := Status{Song: -1, SongID: -1, NextSongID: -1}
	for _, p := range pairs {
		switch p.Key {
		case "state":
			st.State = p.Value
		case "song":
			st.Song = atoi(p.Value, -1)
		case "songid":
			st.SongID = atoi(p.Value, -1)
		case "nextsongid":
			st.NextSongID = atoi(p.Value, -1)
		case "playlistlength":
			st.PlaylistLength = atoi(p.Value, 0)
		case "elapsed":
			st.Elapsed = seconds(p.Value)
		case "duration":
			st.Duration = seconds(p.Value)
		case "updating_db":
			st.Updating = true
		}
	}
	return st
}

// CurrentSong returns the current song; ok is false when there is none.
func (c *Client) CurrentSong(ctx context.Context) (Song, bool, error) {
	pairs, err := c.Command(ctx, "currentsong")
	if err != nil {
		return Song{}, false, err
	}
	songs := parseSongs(pairs)
	if len(songs) == 0 {
		return Song{}, false, nil
	}
	return songs[0], true, nil
}

// PlaylistInfo returns the whole queue in order.
func (c *Client) PlaylistInfo(ctx context.Context) ([]Song, error) {
	pairs, err := c.Command(ctx, "playlistinfo")
	if err != nil {
		return nil, err
	}
	return parseSongs(pairs), nil
}

// parseSongs splits a song list: each "file:" key starts a new song.
func parseSongs(pairs []Pair) []Song {
	var out []Song
	for _, p := range pairs {
		if p.Key == "file" {
			out = append(out, Song{File: p.Value, ID: -1, Pos: -1})
			continue
		}
		if len(out) == 0 {
			continue
		}
		s := &out[len(out)-1]
		switch p.Key {
		case "Id":
			s.ID = atoi(p.Value, -1)
		case "Pos":
			s.Pos = atoi(p.Value, -1)
		case "Title":
			s.Title = p.Value
		case "Artist":
			if s.Artist == "" {
				s.Artist = p.Value
			}
		case "Album":
			s.Album = p.Value
		case "Genre":
			if s.Genre == "" {
				s.Genre = p.Value
			}
		case "duration":
			s.Duration = seconds(p.Value)
		case "Time":
			if s.Duration == 0 {
				s.Duration = time.Duration(atoi(p.Value, 0)) * time.Second
			}
		}
	}
	return out
}

func atoi(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

// seconds parses MPD's fractional seconds ("12.345"); bad or absurd values
// give 0.
func seconds(s string) time.Duration {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e9 || f != f {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}
