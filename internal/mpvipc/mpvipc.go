// Package mpvipc is a small client for mpv's JSON IPC (--input-ipc-server):
// one unix-socket connection, one request at a time matched by request_id,
// a deadline on every call, and a fresh connection after any error. Continuo
// uses it to append to mpv's playlist, which MPRIS cannot do (mpv-mpris has
// no TrackList).
package mpvipc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/continuo/continuo/internal/music"
)

// DefaultTimeout bounds a call (connect included) when the context has no
// earlier deadline.
const DefaultTimeout = 2 * time.Second

// maxLine caps one reply line; mpv's replies to our commands are small, a
// larger line means something is wrong.
const maxLine = 1 << 20

// Load modes for LoadFile (mpv's loadfile flags).
const (
	Replace    = "replace"     // stop the current file and play this one
	Append     = "append"      // add to the end of the playlist
	AppendPlay = "append-play" // append, and start playing if mpv is idle
)

// Error is an mpv reply whose "error" field is not "success".
type Error struct {
	Command string
	Msg     string // mpv's error text, e.g. "property unavailable"
}

func (e *Error) Error() string { return fmt.Sprintf("mpv %s: %s", e.Command, e.Msg) }

// Client talks to one mpv socket. It is safe for concurrent use; calls are
// serialised.
type Client struct {
	path    string
	timeout time.Duration

	mu     sync.Mutex
	conn   net.Conn
	r      *bufio.Reader
	nextID int64
}

// New returns a client for the socket at path; it connects on first use.
// timeout <= 0 means DefaultTimeout.
func New(path string, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{path: path, timeout: timeout}
}

// Close drops the connection (a later call reconnects).
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

type request struct {
	Command   []any `json:"command"`
	RequestID int64 `json:"request_id"`
}

// Reply is one line mpv sends: a command reply (RequestID set) or an event.
type Reply struct {
	Error     *string         `json:"error"`
	Data      json.RawMessage `json:"data"`
	RequestID *int64          `json:"request_id"`
	Event     string          `json:"event"`
}

// Command runs one mpv command and returns its "data" field.
func (c *Client) Command(ctx context.Context, args ...any) (json.RawMessage, error) {
	if len(args) == 0 {
		return nil, music.Errorf(music.KindInvalid, "mpvipc: empty command")
	}
	name := fmt.Sprint(args[0])
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	c.mu.Lock()
	defer c.mu.Unlock()
	reused := c.conn != nil
	data, sent, err := c.roundTripLocked(ctx, name, args)
	if err != nil && reused && !sent && ctx.Err() == nil {
		// mpv closed an idle connection (restart): nothing reached it, so
		// one retry on a fresh connection cannot run the command twice.
		data, _, err = c.roundTripLocked(ctx, name, args)
	}
	return data, err
}

// roundTripLocked sends one request and reads until its reply. sent reports
// whether mpv may have seen the request (a reply line arrived or the failure
// came after a successful write with data read).
func (c *Client) roundTripLocked(ctx context.Context, name string, args []any) (json.RawMessage, bool, error) {
	if err := c.connectLocked(ctx); err != nil {
		return nil, false, err
	}
	deadline, _ := ctx.Deadline()
	_ = c.conn.SetDeadline(deadline)
	conn := c.conn
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c.nextID++
	id := c.nextID
	line, err := json.Marshal(request{Command: args, RequestID: id})
	if err != nil {
		return nil, false, music.WrapKind(music.KindInvalid, err, "mpvipc: encode %s", name)
	}
	if _, err := c.conn.Write(append(line, '\n')); err != nil {
		c.dropLocked()
		return nil, !isClosed(err), fmt.Errorf("mpvipc: send %s: %w", name, err)
	}
	for read := 0; ; read++ {
		raw, err := readLine(c.r)
		if err != nil {
			c.dropLocked()
			// EOF before any reply: mpv dropped the connection; it did not
			// answer, and for a stale connection it never read the request.
			return nil, read > 0 || !isClosed(err), fmt.Errorf("mpvipc: read reply to %s: %w", name, ctxErr(ctx, err))
		}
		rep, err := ParseReply(raw)
		if err != nil {
			c.dropLocked()
			return nil, true, fmt.Errorf("mpvipc: %s: %w", name, err)
		}
		if rep.RequestID == nil || *rep.RequestID != id || rep.Event != "" {
			continue // an event or a stale reply
		}
		if rep.Error == nil || *rep.Error != "success" {
			msg := "no error field"
			if rep.Error != nil {
				msg = *rep.Error
			}
			return nil, true, &Error{Command: name, Msg: msg}
		}
		return rep.Data, true, nil
	}
}

func (c *Client) connectLocked(ctx context.Context) error {
	if c.conn != nil {
		return nil
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.path)
	if err != nil {
		return music.WrapKind(music.KindUnavailable, err, "mpvipc: connect to %s", c.path)
	}
	c.conn, c.r = conn, bufio.NewReaderSize(conn, 4096)
	return nil
}

// readLine reads one '\n'-terminated line of at most maxLine bytes.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			return nil, err
		}
		line = append(line, chunk...)
		if len(line) > maxLine {
			return nil, fmt.Errorf("Reply line longer than %d bytes", maxLine)
		}
		if !isPrefix {
			return line, nil
		}
	}
}

// ParseReply decodes one line from mpv. Exported for the fuzz test; it
// never panics on any input.
func ParseReply(line []byte) (Reply, error) {
	var rep Reply
	if err := json.Unmarshal(line, &rep); err != nil {
		return Reply{}, fmt.Errorf("malformed Reply: %w", err)
	}
	return rep, nil
}

func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return music.WrapKind(music.KindUnavailable, ctx.Err(), "no answer in time")
	}
	return err
}

// LoadFile runs `loadfile path mode` (Replace, Append or AppendPlay). path
// is a file path or a URL mpv understands.
func (c *Client) LoadFile(ctx context.Context, path, mode string) error {
	if path == "" {
		return music.Errorf(music.KindInvalid, "mpvipc: loadfile: empty path")
	}
	switch mode {
	case Replace, Append, AppendPlay:
	default:
		return music.Errorf(music.KindInvalid, "mpvipc: loadfile: unknown mode %q", mode)
	}
	_, err := c.Command(ctx, "loadfile", path, mode)
	return err
}

// GetProperty returns a property's value as raw JSON.
func (c *Client) GetProperty(ctx context.Context, name string) (json.RawMessage, error) {
	return c.Command(ctx, "get_property", name)
}

// PlaylistCount returns the number of playlist entries.
func (c *Client) PlaylistCount(ctx context.Context) (int, error) {
	raw, err := c.GetProperty(ctx, "playlist-count")
	if err != nil {
		return 0, err
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("mpvipc: playlist-count: %w", err)
	}
	return n, nil
}

// PlaylistPos returns the index of the current entry (-1 when none).
func (c *Client) PlaylistPos(ctx context.Context) (int, error) {
	raw, err := c.GetProperty(ctx, "playlist-pos")
	if err != nil {
		return 0, err
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("mpvipc: playlist-pos: %w", err)
	}
	return n, nil
}

// Path returns the current file's path ("" when idle).
func (c *Client) Path(ctx context.Context) (string, error) {
	raw, err := c.GetProperty(ctx, "path")
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Msg == "property unavailable" {
			return "", nil
		}
		return "", err
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("mpvipc: path: %w", err)
	}
	return s, nil
}

// Entry is one entry of mpv's playlist property.
type Entry struct {
	Filename string `json:"filename"`
	Current  bool   `json:"current"`
}

// Playlist returns the playlist in order.
func (c *Client) Playlist(ctx context.Context) ([]Entry, error) {
	raw, err := c.GetProperty(ctx, "playlist")
	if err != nil {
		return nil, err
	}
	var out []Entry
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("mpvipc: playlist: %w", err)
	}
	return out, nil
}

// PlaylistRemove removes the entry at index (0-based).
func (c *Client) PlaylistRemove(ctx context.Context, index int) error {
	if index < 0 {
		return music.Errorf(music.KindInvalid, "mpvipc: playlist-remove: negative index %d", index)
	}
	_, err := c.Command(ctx, "playlist-remove", index)
	return err
}
