-- 0011_tracking_sequences.sql — tracking numbers from one sequence per district and year
-- instead of a counter row: every complaint used to update the same row, so two workers
-- filing complaints waited on each other until the first one's whole transaction committed
-- (bench/run: complaints were filed one transaction at a time). A sequence hands out numbers
-- without locking; a rolled-back filing leaves a gap, as the counter already did. A year's
-- sequence continues from tracking_counters, which is kept for the years before and no longer
-- written. The scheduler prepares this year's and next year's ahead of need, so the first
-- complaint of a year does not need the right to create one.
CREATE FUNCTION sampark_tracking_prepare(d text, y integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    s text := format('tracking_%s_%s', lower(d), y);
    first bigint;
BEGIN
    IF to_regclass(s) IS NULL THEN
        -- Two at once: one creates the sequence, the other waits here for its transaction
        -- to end, then finds it made (this statement's view of the catalog may be older).
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

CREATE FUNCTION sampark_tracking_next(d text, y integer) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass(format('tracking_%s_%s', lower(d), y)) IS NULL THEN
        PERFORM sampark_tracking_prepare(d, y);
    END IF;
    RETURN nextval(format('tracking_%s_%s', lower(d), y));
END $$;
