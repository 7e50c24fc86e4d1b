package catalog

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/continuo/continuo/internal/music"
)

// Source kinds, detected from a file's header (see docs/catalog.md).
const (
	KindMultigenre    = "multigenre"     // tracks_multigenre.csv
	KindPlaylists     = "playlists"      // spotify_songs_playlists.csv
	KindArtistGenres  = "artist-genres"  // spotify_artist_genres_w_features.csv
	KindGenreFeatures = "genre-features" // spotify_genre_audio_features.csv
	KindSpotifyTracks = "spotify-tracks" // raw per-genre files of source M (album, explicit)
	KindNativeCSV     = "native-csv"     // OEM export, CSV
	KindNativeJSONL   = "native-jsonl"   // OEM export, JSON Lines
)

// limits bound what one source may make the parser hold.
type limits struct {
	maxLine, maxField, maxRecords int
}

func (l limits) withDefaults() limits {
	if l.maxLine <= 0 {
		l.maxLine = defaultMaxLine
	}
	if l.maxField <= 0 {
		l.maxField = defaultMaxField
	}
	if l.maxRecords <= 0 {
		l.maxRecords = defaultMaxRecords
	}
	return l
}

// rawTrack is a track as read from one or more rows, before learning.
type rawTrack struct {
	music.Track
	file string
	line int
}

type albumInfo struct {
	album    string
	explicit music.Explicit
}

// inputs collects everything the sources say, keyed for merging.
type inputs struct {
	strict           bool
	noPlaylistLabels bool
	lim              limits
	rep              *Report

	tracks []*rawTrack
	byID   map[music.TrackID]int

	artistTags  map[string][]string // NormalizeName(artist) -> tags
	artistOrder []string            // keys in file order, for deterministic learning
	genreMeans  map[string]music.Features
	albums      map[music.TrackID]albumInfo
	filledMood  int
}

func newInputs(strict bool, lim limits, rep *Report) *inputs {
	return &inputs{
		strict: strict, lim: lim.withDefaults(), rep: rep,
		byID:       map[music.TrackID]int{},
		artistTags: map[string][]string{},
		genreMeans: map[string]music.Features{},
		albums:     map[music.TrackID]albumInfo{},
	}
}

// detectKind names the kind of a source from its first bytes: a JSON object
// means native JSON Lines; otherwise the CSV header's column names decide.
func detectKind(head []byte) (string, error) {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trim := bytes.TrimLeft(head, " \t\r\n")
	if len(trim) > 0 && trim[0] == '{' {
		return KindNativeJSONL, nil
	}
	line, _, _ := bytes.Cut(head, []byte("\n"))
	line = bytes.TrimRight(line, "\r")
	cols := map[string]bool{}
	for _, c := range strings.Split(string(line), ",") {
		cols[strings.Trim(strings.TrimSpace(c), `"`)] = true
	}
	switch {
	case cols["track_key"] && cols["genre"] && cols["source"]:
		return KindMultigenre, nil
	case cols["playlist_id"] && cols["track_id"]:
		return KindPlaylists, nil
	case cols["genres"] && cols["artists"] && cols["count"]:
		return KindArtistGenres, nil
	case cols["genres"] && cols["mode"] && !cols["artists"]:
		return KindGenreFeatures, nil
	case cols["track_id"] && cols["album_name"] && cols["explicit"]:
		return KindSpotifyTracks, nil
	case cols["title"] && cols["artists"]:
		return KindNativeCSV, nil
	}
	if len(line) > 80 {
		line = line[:80]
	}
	return "", music.Errorf(music.KindInvalid, "unknown source kind (header %q)", line)
}

// parse reads one source of the given kind.
func (in *inputs) parse(r io.Reader, file, kind string) (SourceReport, error) {
	sr := SourceReport{Path: file, Kind: kind}
	var err error
	switch kind {
	case KindNativeJSONL:
		err = in.parseJSONL(r, file, &sr)
	case KindMultigenre, KindPlaylists, KindArtistGenres, KindGenreFeatures, KindSpotifyTracks, KindNativeCSV:
		err = in.parseCSV(r, file, kind, &sr)
	default:
		err = music.Errorf(music.KindInvalid, "%s: unknown source kind %q", file, kind)
	}
	return sr, err
}

// lineLimitReader fails once a physical line exceeds max bytes, so a file
// without newlines cannot make the CSV reader buffer it whole.
type lineLimitReader struct {
	r        io.Reader
	max, cur int
	line     int
	exceeded bool
}

var errLineTooLong = errors.New("line too long")

func (l *lineLimitReader) Read(p []byte) (int, error) {
	if l.exceeded {
		return 0, errLineTooLong
	}
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			l.cur = 0
			l.line++
			continue
		}
		l.cur++
		if l.cur > l.max {
			l.exceeded = true
			return i, errLineTooLong
		}
	}
	return n, err
}

// row gives typed, validated access to one input row and remembers the
// first problem.
type row struct {
	file string
	line int
	lim  limits
	get  func(col string) (string, bool)
	list func(col string) []string
	err  *RowError
}

func (r *row) fail(field, reason, detail string) {
	if r.err == nil {
		r.err = &RowError{File: r.file, Line: r.line, Field: field, Reason: reason, Detail: detail}
	}
}

// str returns a trimmed field; "NA" (R's missing value) reads as empty.
func (r *row) str(col string) string {
	s, _ := r.get(col)
	s = strings.TrimSpace(s)
	if s == "NA" {
		return ""
	}
	return s
}

func (r *row) required(col string) string {
	s := r.str(col)
	if s == "" {
		r.fail(col, ReasonMissing, "")
	}
	return s
}

// float parses an optional number in [lo, hi]; empty is NaN.
func (r *row) float(col string, lo, hi float64) float32 {
	s := r.str(col)
	if s == "" {
		return music.Unknown
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		r.fail(col, ReasonNotNumber, fmt.Sprintf("%.20q", s))
		return music.Unknown
	case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		r.fail(col, ReasonNotFinite, fmt.Sprintf("%.20q", s))
		return music.Unknown
	case v < lo || v > hi:
		r.fail(col, ReasonRange, fmt.Sprintf("want %g..%g, got %g", lo, hi, v))
		return music.Unknown
	}
	return float32(v)
}

// integer parses an optional whole number in [lo, hi]; empty is unknown.
// "1.0" is accepted, as the Python-written files spell integers that way.
func (r *row) integer(col string, lo, hi, unknown int64) int64 {
	f := r.float(col, float64(lo), float64(hi))
	if !music.IsKnown(f) {
		return unknown
	}
	v := math.Round(float64(f))
	if math.Abs(v-float64(f)) > 1e-6*math.Max(1, math.Abs(v)) {
		r.fail(col, ReasonNotNumber, "want a whole number")
		return unknown
	}
	return int64(v)
}

// features reads the Spotify audio-feature columns; a tempo of 0 means "no
// beat found" and is stored as unknown.
func (r *row) features() music.Features {
	f := music.UnknownFeatures()
	f.Danceability = r.float("danceability", 0, 1)
	f.Energy = r.float("energy", 0, 1)
	f.Valence = r.float("valence", 0, 1)
	f.Acousticness = r.float("acousticness", 0, 1)
	f.Instrumentalness = r.float("instrumentalness", 0, 1)
	f.Speechiness = r.float("speechiness", 0, 1)
	f.Liveness = r.float("liveness", 0, 1)
	// Real masters reach slightly above +5 dB (5.048 in the multigenre data).
	f.Loudness = r.float("loudness", -60, 6)
	f.Tempo = r.float("tempo", 0, 300)
	if f.Tempo == 0 {
		f.Tempo = music.Unknown
	}
	f.Key = int8(r.integer("key", -1, 11, -1))
	f.Mode = int8(r.integer("mode", -1, 1, -1))
	return f
}

func (r *row) explicit(col string) music.Explicit {
	switch strings.ToLower(r.str(col)) {
	case "":
		return music.ExplicitUnknown
	case "true", "1", "yes":
		return music.ExplicitYes
	case "false", "0", "no":
		return music.ExplicitNo
	}
	r.fail(col, ReasonBadValue, "want true or false")
	return music.ExplicitUnknown
}

// checkFields rejects invalid UTF-8 and absurdly long fields before any
// value is used.
func checkFields(r *row, header, rec []string) {
	name := func(i int) string {
		if i < len(header) {
			return header[i]
		}
		return fmt.Sprintf("column %d", i+1)
	}
	for i, v := range rec {
		if len(v) > r.lim.maxField {
			r.fail(name(i), ReasonTooLong, fmt.Sprintf("%d bytes, limit %d", len(v), r.lim.maxField))
			return
		}
		if !utf8.ValidString(v) {
			r.fail(name(i), ReasonUTF8, "")
			return
		}
	}
}

func (in *inputs) parseCSV(rd io.Reader, file, kind string, sr *SourceReport) error {
	llr := &lineLimitReader{r: rd, max: in.lim.maxLine}
	cr := csv.NewReader(bufio.NewReaderSize(llr, 64<<10))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return in.csvFatal(file, llr, err)
	}
	header = append([]string(nil), header...)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	cols := make(map[string]int, len(header))
	for i, h := range header {
		cols[strings.TrimSpace(h)] = i
	}
	var rec []string
	r := &row{file: file, lim: in.lim}
	r.get = func(col string) (string, bool) {
		i, ok := cols[col]
		if !ok || i >= len(rec) {
			return "", false
		}
		return rec[i], true
	}
	r.list = func(col string) []string { return splitList(r.str(col), ";") }
	for {
		rec, err = cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				// The record was parsed; only its width is wrong. Skip it.
				sr.Rows++
				e := &RowError{File: file, Line: pe.Line, Field: "row", Reason: ReasonFieldCount,
					Detail: fmt.Sprintf("want %d fields, got %d", len(header), len(rec))}
				if perr := in.rep.problem(in.strict, e); perr != nil {
					return perr
				}
				continue
			}
			return in.csvFatal(file, llr, err)
		}
		line, _ := cr.FieldPos(0) // a record read without error has a field 0
		sr.Rows++
		if sr.Rows > in.lim.maxRecords {
			return music.Errorf(music.KindInvalid, "%s:%d: more than %d rows", file, line, in.lim.maxRecords)
		}
		r.line, r.err = line, nil
		checkFields(r, header, rec)
		if r.err == nil {
			in.useRow(r, kind)
		}
		if r.err != nil {
			if perr := in.rep.problem(in.strict, r.err); perr != nil {
				return perr
			}
			continue
		}
		sr.Kept++
	}
}

// csvFatal turns a structural CSV error into "file:line: reason".
func (in *inputs) csvFatal(file string, llr *lineLimitReader, err error) error {
	if errors.Is(err, errLineTooLong) {
		return music.Errorf(music.KindInvalid, "%s:%d: line longer than %d bytes", file, llr.line+1, in.lim.maxLine)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return music.Errorf(music.KindInvalid, "%s:%d: malformed csv: %v", file, pe.Line, pe.Err)
	}
	if err == io.EOF {
		return music.Errorf(music.KindInvalid, "%s: empty file", file)
	}
	return fmt.Errorf("read %s: %w", file, err)
}

func (in *inputs) parseJSONL(rd io.Reader, file string, sr *SourceReport) error {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 64<<10), in.lim.maxLine)
	line := 0
	var obj map[string]json.RawMessage
	r := &row{file: file, lim: in.lim}
	r.get = func(col string) (string, bool) {
		v, ok := obj[col]
		if !ok {
			return "", false
		}
		s, err := jsonScalar(v)
		if err != nil {
			r.fail(col, ReasonBadJSON, err.Error())
			return "", false
		}
		return s, true
	}
	r.list = func(col string) []string {
		v, ok := obj[col]
		if !ok {
			return nil
		}
		var arr []string
		if err := json.Unmarshal(v, &arr); err == nil {
			out := arr[:0]
			for _, a := range arr {
				if a = strings.TrimSpace(a); a != "" {
					out = append(out, a)
				}
			}
			return out
		}
		s, err := jsonScalar(v)
		if err != nil {
			r.fail(col, ReasonBadJSON, "want an array of strings")
			return nil
		}
		return splitList(s, ";")
	}
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		sr.Rows++
		if sr.Rows > in.lim.maxRecords {
			return music.Errorf(music.KindInvalid, "%s:%d: more than %d rows", file, line, in.lim.maxRecords)
		}
		r.line, r.err = line, nil
		obj = nil
		switch {
		case !utf8.Valid(b):
			r.fail("row", ReasonUTF8, "")
		default:
			if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
				r.fail("row", ReasonBadJSON, "want one JSON object per line")
			}
		}
		if r.err == nil {
			for k, v := range obj {
				if len(v) > in.lim.maxField {
					r.fail(k, ReasonTooLong, fmt.Sprintf("%d bytes, limit %d", len(v), in.lim.maxField))
					break
				}
			}
		}
		if r.err == nil {
			in.nativeRow(r)
		}
		if r.err != nil {
			if perr := in.rep.problem(in.strict, r.err); perr != nil {
				return perr
			}
			continue
		}
		sr.Kept++
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return music.Errorf(music.KindInvalid, "%s:%d: line longer than %d bytes", file, line+1, in.lim.maxLine)
		}
		return fmt.Errorf("read %s: %w", file, err)
	}
	return nil
}

// jsonScalar renders a JSON string, number, bool or null as field text.
func jsonScalar(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return "", nil
	}
	switch v[0] {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", err
		}
		return s, nil
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			return "", err
		}
		return strconv.FormatBool(b), nil
	case '[', '{':
		return "", errors.New("want a scalar")
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err != nil {
		return "", err
	}
	return n.String(), nil
}

// splitList splits a list field and trims its items, dropping empty ones.
func splitList(s, sep string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, sep)
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// splitTags splits the artist file's genres column: "a, b, c", "[]", or the
// original Python list "['a', 'b']"; literal quotes left by the spreadsheet
// round trip ("childrens music" in double quotes) are removed.
func splitTags(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "[")
	s = strings.TrimSuffix(s, "]")
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.Trim(strings.TrimSpace(p), `"'`)
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// DerivedID is the id of a track without a Spotify id: "x:" and the first 16
// hex digits of the SHA-1 of the normalised primary artist and title.
func DerivedID(artist, title string) music.TrackID {
	sum := sha1.Sum([]byte(NormalizeName(artist) + " \u2014 " + NormalizeName(title)))
	return music.TrackID("x:" + hex.EncodeToString(sum[:8]))
}

// validID accepts ids of printable characters without spaces, at most 128 bytes.
func validID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// useRow dispatches a validated CSV row by source kind.
func (in *inputs) useRow(r *row, kind string) {
	switch kind {
	case KindMultigenre:
		in.multigenreRow(r)
	case KindPlaylists:
		in.playlistRow(r)
	case KindArtistGenres:
		in.artistRow(r)
	case KindGenreFeatures:
		in.genreFeaturesRow(r)
	case KindSpotifyTracks:
		in.spotifyTrackRow(r)
	case KindNativeCSV:
		in.nativeRow(r)
	}
}

func (in *inputs) multigenreRow(r *row) {
	title := r.required("title")
	artists := splitList(r.required("artist"), ";")
	genre := r.required("genre")
	t := rawTrack{file: r.file, line: r.line}
	t.Title, t.Artists, t.Genres = title, artists, []string{genre}
	t.Features = r.features()
	t.DurationMS = r.integer("duration_ms", 0, 6*3600*1000, 0)
	t.Popularity = int8(r.integer("popularity", 0, 100, -1))
	id := r.str("spotify_id")
	if id != "" && !validID(id) {
		r.fail("spotify_id", ReasonBadValue, "not an id")
	}
	if r.err != nil || len(artists) == 0 {
		return
	}
	if id == "" {
		t.ID = DerivedID(artists[0], title)
	} else {
		t.ID = music.TrackID(id)
	}
	in.addTrack(&t)
}

func (in *inputs) playlistRow(r *row) {
	id := r.required("track_id")
	title := r.required("track_name")
	artist := r.required("track_artist")
	t := rawTrack{file: r.file, line: r.line}
	t.Title, t.Artists = title, []string{artist}
	t.Album = r.str("track_album_name")
	for _, g := range []string{r.str("playlist_genre"), r.str("playlist_subgenre")} {
		if g != "" && !in.noPlaylistLabels {
			t.Genres = append(t.Genres, g)
		}
	}
	t.Features = r.features()
	t.DurationMS = r.integer("duration_ms", 0, 6*3600*1000, 0)
	t.Popularity = int8(r.integer("track_popularity", 0, 100, -1))
	if id != "" && !validID(id) {
		r.fail("track_id", ReasonBadValue, "not an id")
	}
	if r.err != nil {
		return
	}
	t.ID = music.TrackID(id)
	in.addTrack(&t)
}

func (in *inputs) artistRow(r *row) {
	name := r.required("artists")
	tags := splitTags(r.str("genres"))
	if r.err != nil {
		return
	}
	key := NormalizeName(name)
	if key == "" {
		r.fail("artists", ReasonMissing, "")
		return
	}
	old, seen := in.artistTags[key]
	if !seen {
		in.artistOrder = append(in.artistOrder, key)
	}
	in.artistTags[key] = appendUnique(old, tags...)
}

func (in *inputs) genreFeaturesRow(r *row) {
	tag := r.required("genres")
	f := r.features()
	if r.err != nil {
		return
	}
	key := NormalizeTag(strings.Trim(tag, `"'[]`))
	if key == "" {
		return // the "[]" row: artists without tags
	}
	in.genreMeans[key] = f
}

func (in *inputs) spotifyTrackRow(r *row) {
	id := r.required("track_id")
	album := r.str("album_name")
	ex := r.explicit("explicit")
	if id != "" && !validID(id) {
		r.fail("track_id", ReasonBadValue, "not an id")
	}
	if r.err != nil {
		return
	}
	if _, ok := in.albums[music.TrackID(id)]; !ok {
		in.albums[music.TrackID(id)] = albumInfo{album: album, explicit: ex}
	}
}

// nativeRow reads one row of the documented native format (CSV or JSONL).
func (in *inputs) nativeRow(r *row) {
	title := r.required("title")
	artists := r.list("artists")
	if len(artists) == 0 && r.err == nil {
		r.fail("artists", ReasonMissing, "")
	}
	t := rawTrack{file: r.file, line: r.line}
	t.Title, t.Artists = title, artists
	t.Album = r.str("album")
	t.Genres = r.list("genres")
	t.Features = r.features()
	t.DurationMS = r.integer("duration_ms", 0, 6*3600*1000, 0)
	t.Popularity = int8(r.integer("popularity", 0, 100, -1))
	t.Explicit = r.explicit("explicit")
	t.URI = r.str("uri")
	id := r.str("id")
	if id != "" && !validID(id) {
		r.fail("id", ReasonBadValue, "want up to 128 printable characters without spaces")
	}
	if r.err != nil {
		return
	}
	for _, a := range artists {
		if len(a) > in.lim.maxField || !utf8.ValidString(a) {
			r.fail("artists", ReasonBadValue, "")
			return
		}
	}
	if id == "" {
		t.ID = DerivedID(artists[0], title)
	} else {
		t.ID = music.TrackID(id)
	}
	in.addTrack(&t)
}

// addTrack merges a row into the track with the same id, or adds it. Rows
// of one recording from different sources legitimately differ slightly in
// features and popularity (README: Spotify re-analysed tracks); the first
// row's values are kept and only missing ones are filled. A different title
// for the same id is a conflict: the first title is kept and it is counted.
func (in *inputs) addTrack(t *rawTrack) {
	i, ok := in.byID[t.ID]
	if !ok {
		in.byID[t.ID] = len(in.tracks)
		t.Genres = appendUnique(nil, t.Genres...)
		in.tracks = append(in.tracks, t)
		return
	}
	old := in.tracks[i]
	if NormalizeName(old.Title) != NormalizeName(t.Title) {
		e := &RowError{File: t.file, Line: t.line, Field: "title", Reason: ReasonConflict,
			Detail: fmt.Sprintf("id %s first seen at %s:%d with another title", t.ID, old.file, old.line)}
		if in.strict {
			// Strict builds stop on the first conflict; lenient ones count it.
			if in.rep.strictErr == nil {
				in.rep.strictErr = e
			}
			return
		}
		in.rep.Skipped[ReasonConflict]++
		if len(in.rep.Problems) < maxProblemsKept {
			in.rep.Problems = append(in.rep.Problems, e.Error())
		}
	}
	in.rep.Merged++
	old.Genres = appendUnique(old.Genres, t.Genres...)
	if len(t.Artists) > len(old.Artists) && len(old.Artists) > 0 &&
		NormalizeName(t.Artists[0]) == NormalizeName(old.Artists[0]) {
		old.Artists = t.Artists // M credits every artist, C only the first
	}
	if old.Album == "" {
		old.Album = t.Album
	}
	if old.DurationMS == 0 {
		old.DurationMS = t.DurationMS
	}
	if old.Popularity < 0 {
		old.Popularity = t.Popularity
	}
	if old.Explicit == music.ExplicitUnknown {
		old.Explicit = t.Explicit
	}
	if old.URI == "" {
		old.URI = t.URI
	}
	fillFeatures(&old.Features, t.Features)
}

// fillFeatures copies into dst the features it lacks and src has.
func fillFeatures(dst *music.Features, src music.Features) {
	fill := func(d *float32, s float32) {
		if !music.IsKnown(*d) && music.IsKnown(s) {
			*d = s
		}
	}
	fill(&dst.Danceability, src.Danceability)
	fill(&dst.Energy, src.Energy)
	fill(&dst.Valence, src.Valence)
	fill(&dst.Acousticness, src.Acousticness)
	fill(&dst.Instrumentalness, src.Instrumentalness)
	fill(&dst.Speechiness, src.Speechiness)
	fill(&dst.Liveness, src.Liveness)
	fill(&dst.Loudness, src.Loudness)
	fill(&dst.Tempo, src.Tempo)
	if dst.Key < 0 {
		dst.Key = src.Key
	}
	if dst.Mode < 0 {
		dst.Mode = src.Mode
	}
}

// appendUnique appends the items of add not yet in dst (by NormalizeTag).
func appendUnique(dst []string, add ...string) []string {
outer:
	for _, a := range add {
		k := NormalizeTag(a)
		if k == "" {
			continue
		}
		for _, d := range dst {
			if NormalizeTag(d) == k {
				continue outer
			}
		}
		dst = append(dst, a)
	}
	return dst
}
