-- 0002: drop the events_session index (issue 12, flash writes). Every play
-- wrote a page of it (one WAL frame per commit) for lookups that are rare
-- and bounded: the foreign key's ON DELETE SET NULL when a session row goes
-- (pruning deletes only sessions older than the retention with no events
-- left; Forget deletes a profile's sessions) and the NOT EXISTS of that
-- pruning. Without it those scan the events table (at most
-- MaxEventsPerProfile rows per profile) once per deleted session, off the
-- play path. No read query filters events by session (EXPLAIN QUERY PLAN
-- in TestDropEventsSessionPlans).
DROP INDEX IF EXISTS events_session;
