-- 0012_sender_recipients.sql — the sender's claim walks recipients with unsent messages
-- through this index, one descent per recipient from a cursor (sender.c), so one recipient's
-- long queue (a nodal officer after an escalation storm) can no longer hold back everyone
-- else's replies, as the window of the oldest 2,048 rows of 0009 could.
CREATE INDEX outbound_unsent_by_recipient ON outbound_messages (recipient, id)
    WHERE state IN ('queued', 'sending');
DROP INDEX outbound_unsent_by_id;

-- Tracking-number sequences are made ahead of need by the scheduler (this year's and next
-- year's), so the first complaint of a year does not need the right to create one.
CREATE FUNCTION sampark_tracking_prepare(d text, y integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    s text := format('tracking_%s_%s', lower(d), y);
    first bigint;
BEGIN
    IF to_regclass(s) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext(s));
        SELECT COALESCE(max(last_value), 0) + 1 INTO first
          FROM tracking_counters WHERE district_code = d AND year = y;
        BEGIN
            EXECUTE format('CREATE SEQUENCE %I START %s MAXVALUE 999999', s, first);
        EXCEPTION WHEN duplicate_table THEN
            NULL;
        END;
    END IF;
END $$;

-- A message's session snapshot (0010) is needed only until its entry is acknowledged, seconds
-- later; the scheduler clears snapshots older than two days (the draft complaint text in them
-- is personal data), finding them through this index.
CREATE INDEX inbound_session_kept ON inbound_messages (processed_at) WHERE session IS NOT NULL;

-- One place creates the sequences: the next number prepares its year's sequence when missing.
CREATE OR REPLACE FUNCTION sampark_tracking_next(d text, y integer) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass(format('tracking_%s_%s', lower(d), y)) IS NULL THEN
        PERFORM sampark_tracking_prepare(d, y);
    END IF;
    RETURN nextval(format('tracking_%s_%s', lower(d), y));
END $$;
