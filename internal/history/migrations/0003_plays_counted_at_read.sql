-- 0003: profiles.plays no longer counts every play as it is recorded (issue
-- 12, flash writes: that UPDATE wrote the profiles page, one more WAL frame
-- per commit). It now counts the events deleted from the history (pruned,
-- ON DELETE of any kind), kept by the trigger below in the same statement;
-- the plays of a profile are plays + its rows in events, counted when read
-- (read.go). Deletes are rare and batched (retention), plays are not.
UPDATE profiles SET plays = plays - (SELECT count(*) FROM events WHERE events.profile_id = profiles.id);
CREATE TRIGGER events_deleted_count AFTER DELETE ON events BEGIN
    UPDATE profiles SET plays = plays + 1 WHERE id = OLD.profile_id;
END;
