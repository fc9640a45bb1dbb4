-- 0013_early_statuses.sql — a delivery status whose wamid is not stored yet. Meta can report
-- "sent" (even "delivered") before the sender has written the message's wamid: the sender
-- records deliveries a round later, and holds them in memory while PostgreSQL is away. Such a
-- status waits here, the latest one per message (by rank), and the sender applies it when it
-- records the wamid (sender.c st_sent). Statuses of messages Sampark never sent (another tool
-- on the same number) are cleared by the scheduler after two days.
CREATE TABLE early_statuses (
    wamid       text PRIMARY KEY,
    state       text NOT NULL CHECK (state IN ('sent', 'delivered', 'read', 'failed')),
    error_code  int,
    error       text,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX early_statuses_at ON early_statuses (at);
