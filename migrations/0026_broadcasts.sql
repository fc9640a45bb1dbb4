-- 0026_broadcasts.sql — broadcasts (SPEC section 13, issue 20): an approved template with its
-- parameters sent to a segment of phones, delivered through the outbox below case traffic and
-- within the number's daily limit (bot/broadcast.c owns these tables; the design is in its
-- header and README "Sending").
--   broadcasts            one row a broadcast: the template, its parameters as given (params) and
--                         as Graph's components (body parameters, quick-reply payloads), the
--                         segment as the operator wrote it, and its state:
--                         draft -> running <-> paused -> done, or cancelled from any but done.
--   broadcast_recipients  one row a phone of a broadcast: 'queued' waits for the feeder (not
--                         before not_before: the daily limit is full until then); 'sending' is in
--                         the outbox as outbound_id — its progress (sent, delivered, read,
--                         failed) is that row's, joined when shown, so status webhooks stay
--                         one statement; 'skipped' never goes (stopped, blocked, cancelled, the
--                         reason in error); sent..failed are kept for rows settled elsewhere.
CREATE TABLE broadcasts (
    id          bigserial PRIMARY KEY,
    template    text NOT NULL,
    language    text NOT NULL,
    params      jsonb NOT NULL DEFAULT '[]',
    components  jsonb NOT NULL DEFAULT '[]',
    segment     text NOT NULL,
    state       text NOT NULL DEFAULT 'draft'
                CHECK (state IN ('draft', 'running', 'paused', 'cancelled', 'done')),
    created_by  text NOT NULL DEFAULT 'cli',
    created_at  timestamptz NOT NULL DEFAULT now(),
    started_at  timestamptz,
    finished_at timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX broadcasts_running ON broadcasts (id) WHERE state = 'running';

CREATE TABLE broadcast_recipients (
    id           bigserial PRIMARY KEY,
    broadcast_id bigint NOT NULL REFERENCES broadcasts(id),
    phone        text NOT NULL,
    state        text NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed',
                                  'skipped')),
    not_before   timestamptz NOT NULL DEFAULT '-infinity', -- daily limit full: not fed before
    outbound_id  bigint,                 -- outbound_messages.id once fed (no FK: retention may go)
    error_code   integer,
    error        text,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (broadcast_id, phone)
);
-- The feeder's walk: the next queued recipients of each running broadcast that are due — those
-- never held back first, in order — one range of this index, however many wait for tomorrow.
CREATE INDEX broadcast_recipients_queued ON broadcast_recipients (broadcast_id, not_before, id)
    WHERE state = 'queued';
-- Pause and cancel pull back what is in the outbox and not yet claimed.
CREATE INDEX broadcast_recipients_sending ON broadcast_recipients (broadcast_id)
    WHERE state = 'sending';
-- Progress joins the outbox row of each recipient.
CREATE INDEX broadcast_recipients_outbound ON broadcast_recipients (outbound_id)
    WHERE outbound_id IS NOT NULL;

-- The directory's broadcast templates: [{"name", "language", "params": [...], "buttons": [...]}].
ALTER TABLE districts ADD COLUMN broadcast_templates jsonb NOT NULL DEFAULT '[]';
