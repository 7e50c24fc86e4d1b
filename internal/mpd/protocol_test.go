package mpd

import (
	"bufio"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Pair
		ack     *AckError
		wantErr bool
	}{
		{"empty OK", "OK\n", nil, nil, false},
		{"pairs", "Id: 7\nfile: a b/c.ogg\nOK\n", []Pair{{"Id", "7"}, {"file", "a b/c.ogg"}}, nil, false},
		{"value with colon", "Title: a: b\nOK\n", []Pair{{"Title", "a: b"}}, nil, false},
		{"ack", "ACK [50@0] {addid} No such directory\n", nil, &AckError{Code: 50, Index: 0, Command: "addid", Message: "No such directory"}, false},
		{"ack in list", "ACK [2@3] {playid} Bad song id\n", nil, &AckError{Code: 2, Index: 3, Command: "playid", Message: "Bad song id"}, false},
		{"malformed ack", "ACK [x@0] {a} b\n", nil, nil, true},
		{"malformed line", "garbage\nOK\n", nil, nil, true},
		{"eof mid reply", "Id: 7\n", nil, nil, true},
		{"eof before reply", "", nil, nil, true},
		{"no trailing newline on OK", "OK", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadResponse(bufio.NewReader(strings.NewReader(tt.in)))
			switch {
			case tt.ack != nil:
				var ack *AckError
				require.True(t, errors.As(err, &ack), "want ACK, got %v", err)
				assert.Equal(t, tt.ack, ack)
			case tt.wantErr:
				require.Error(t, err)
			default:
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

func TestReadResponseBounds(t *testing.T) {
	long := "k: " + strings.Repeat("x", maxLineBytes+10) + "\nOK\n"
	_, err := ReadResponse(bufio.NewReader(strings.NewReader(long)))
	require.Error(t, err, "an over-long line is refused")
}

func TestParseGreeting(t *testing.T) {
	v, err := ParseGreeting("OK MPD 0.23.5\n")
	require.NoError(t, err)
	assert.Equal(t, "0.23.5", v)
	for _, bad := range []string{"", "OK MPD \n", "HTTP/1.1 200 OK\r\n", "ACK [5@0] {} x"} {
		_, err := ParseGreeting(bad)
		assert.Error(t, err, bad)
	}
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		name    string
		cmd     string
		args    []string
		want    string
		wantErr bool
	}{
		{"no args", "status", nil, "status\n", false},
		{"spaces", "addid", []string{"My Music/a b.ogg"}, "addid \"My Music/a b.ogg\"\n", false},
		{"quotes and backslashes", "addid", []string{`a"b\c`}, `addid "a\"b\\c"` + "\n", false},
		{"position", "addid", []string{"x.ogg", "3"}, "addid \"x.ogg\" \"3\"\n", false},
		{"newline injection", "addid", []string{"x.ogg\nclear"}, "", true},
		{"NUL", "addid", []string{"x\x00"}, "", true},
		{"bad name", "add id", nil, "", true},
		{"empty name", "", nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := commandLine(tt.cmd, tt.args)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseSongsAndStatus(t *testing.T) {
	pairs := []Pair{
		{"file", "a.ogg"}, {"Title", "A"}, {"Artist", "X"}, {"Artist", "Y"}, {"duration", "2.500"}, {"Pos", "0"}, {"Id", "1"},
		{"file", "b.ogg"}, {"Time", "3"}, {"Pos", "1"}, {"Id", "2"},
	}
	songs := parseSongs(pairs)
	require.Len(t, songs, 2)
	assert.Equal(t, Song{File: "a.ogg", ID: 1, Pos: 0, Title: "A", Artist: "X", Duration: 2500 * time.Millisecond}, songs[0])
	assert.Equal(t, Song{File: "b.ogg", ID: 2, Pos: 1, Duration: 3 * time.Second}, songs[1])

	st := parseStatus([]Pair{{"state", "play"}, {"song", "0"}, {"songid", "1"}, {"playlistlength", "2"}, {"elapsed", "1.25"}, {"nextsongid", "x"}, {"updating_db", "3"}})
	assert.Equal(t, Status{State: "play", Song: 0, SongID: 1, NextSongID: -1, PlaylistLength: 2, Elapsed: 1250 * time.Millisecond, Updating: true}, st)
	assert.Equal(t, time.Duration(0), seconds("NaN"))
	assert.Equal(t, time.Duration(0), seconds("-1"))
}

// FuzzReadResponse: the reply parser takes bytes from a network peer.
func FuzzReadResponse(f *testing.F) {
	for _, seed := range []string{
		"OK\n", "Id: 7\nOK\n", "ACK [50@0] {addid} No such directory\n", "ACK [", "ACK [1@2] {", "a: b\nc\n",
		"file: x\nTitle: \xff\nOK\n", "\n\n\n", strings.Repeat("k: v\n", 100) + "OK\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		pairs, err := ReadResponse(bufio.NewReader(strings.NewReader(in)))
		if err == nil {
			_ = parseSongs(pairs)
			_ = parseStatus(pairs)
		}
		_, _ = ParseAck(in)
		_, _ = ParseGreeting(in)
	})
}
