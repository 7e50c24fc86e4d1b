-- 0002: events without the events_session index (issue 12, flash writes).
-- Every play wrote a page of that index (one more WAL frame per commit,
-- ~1 KB of flash per track). Its only users (EXPLAIN QUERY PLAN) were the
-- foreign key events.session_id -> sessions(id), which looks up the events
-- of every session row deleted (Forget, pruning), the NOT EXISTS of the
-- session pruning, and count(*). Without the index the foreign key would
-- scan the events table once per deleted session (a Forget of a year of
-- drives: ~20 s), so the column loses its REFERENCES clause instead, which
-- takes rebuilding the table: the writer checks that a session exists when
-- it records an event, and sessions are only deleted with no events left
-- (pruning) or together with them (Forget cascades from the profile). Ids
-- are kept.
CREATE TABLE events_v2 (
    id          INTEGER PRIMARY KEY,
    profile_id  INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    session_id  INTEGER, -- sessions.id or NULL; checked by the writer, see above
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
INSERT INTO events_v2 (id, profile_id, session_id, track_id, title, artist, genres, url, player,
                       started_at, position_ms, duration_ms, outcome, queued)
    SELECT id, profile_id, session_id, track_id, title, artist, genres, url, player,
           started_at, position_ms, duration_ms, outcome, queued
    FROM events;
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;
CREATE INDEX events_profile_started ON events(profile_id, started_at);
CREATE INDEX events_profile_track ON events(profile_id, track_id);
