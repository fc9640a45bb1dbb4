-- 0011_tracking_sequences.sql — tracking numbers from one sequence per district and year
-- instead of a counter row: every complaint used to update the same row, so two workers
-- filing complaints waited on each other until the first one's whole transaction committed
-- (bench/run: complaints were filed one transaction at a time). A sequence hands out numbers
-- without locking; a rolled-back filing leaves a gap, as the counter already did. The first
-- complaint of a year creates that year's sequence, continuing from tracking_counters, which
-- is kept for the years before and no longer written.
CREATE FUNCTION sampark_tracking_next(d text, y integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    s text := format('tracking_%s_%s', lower(d), y);
    first bigint;
BEGIN
    IF to_regclass(s) IS NULL THEN
        -- Two first complaints at once: one creates the sequence, the other waits here for
        -- its transaction to end and then finds it (or creates it, if that one rolled back).
        PERFORM pg_advisory_xact_lock(hashtext(s));
        SELECT COALESCE(max(last_value), 0) + 1 INTO first
          FROM tracking_counters WHERE district_code = d AND year = y;
        BEGIN
            EXECUTE format('CREATE SEQUENCE %I START %s MAXVALUE 999999', s, first);
        EXCEPTION WHEN duplicate_table THEN
            NULL; -- created by the other one meanwhile (this statement's catalog view is older)
        END;
    END IF;
    RETURN nextval(s);
END $$;
