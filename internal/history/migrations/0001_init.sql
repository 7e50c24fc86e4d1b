-- 0001: the first schema. Times are Unix milliseconds (UTC); every row
-- belongs to a profile and goes when the profile is forgotten (ON DELETE
-- CASCADE, foreign_keys=on through the DSN).

CREATE TABLE profiles (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    plays      INTEGER NOT NULL DEFAULT 0 -- events summarised by the taste tables
);

CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER -- NULL while the drive goes on (or when the daemon died)
);
CREATE INDEX sessions_profile_started ON sessions(profile_id, started_at);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    session_id  INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    track_id    TEXT    NOT NULL DEFAULT '', -- '' when not in the catalog
    title       TEXT    NOT NULL DEFAULT '',
    artist      TEXT    NOT NULL DEFAULT '', -- primary artist
    genres      TEXT    NOT NULL DEFAULT '', -- JSON array of strings, '' for none
    url         TEXT    NOT NULL DEFAULT '',
    player      TEXT    NOT NULL DEFAULT '',
    started_at  INTEGER NOT NULL,
    position_ms INTEGER NOT NULL CHECK (position_ms >= 0),
    duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
    outcome     TEXT    NOT NULL CHECK (outcome IN ('completed', 'skipped', 'stopped')),
    queued      INTEGER NOT NULL CHECK (queued IN (0, 1))
);
CREATE INDEX events_profile_started ON events(profile_id, started_at);
CREATE INDEX events_profile_track ON events(profile_id, track_id);
CREATE INDEX events_session ON events(session_id);

CREATE TABLE feedback (
    id         INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    track_id   TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('like', 'dislike', 'skip')),
    at         INTEGER NOT NULL
);
CREATE INDEX feedback_profile_at ON feedback(profile_id, at);

-- Derived taste, kept in step with events and feedback in the same
-- transaction. weight is the value at updated_at; the reader decays it to
-- "now" with the half-life documented in taste.go.
CREATE TABLE taste_tracks (
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    track_id   TEXT    NOT NULL,
    weight     REAL    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (profile_id, track_id)
) WITHOUT ROWID;

CREATE TABLE taste_artists (
    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    artist     TEXT    NOT NULL,
    weight     REAL    NOT NULL, -- skip weight, >= 0
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (profile_id, artist)
) WITHOUT ROWID;
