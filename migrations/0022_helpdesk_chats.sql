-- 0022_helpdesk_chats.sql — the live helpdesk (SPEC section 11, issue 18): a citizen's
-- conversation with the officer on duty, and every message relayed in it. bot/chats.c owns both
-- tables. A conversation moves waiting → asked → live → closed (or asked → closed when nobody
-- took it, waiting → closed when the citizen left first):
--   waiting  outside the desk's hours: kept, opens_at says when it goes to that slot's officers;
--   asked    sent to the officers on duty (reached), nobody has answered yet;
--   live     an officer (officer_phone) answered first or took it, and owns it;
--   closed   ended (end_reason), rated or not.
-- A citizen has at most one conversation that is not closed; while it is, the citizen's
-- messages go to it rather than to the menu.
CREATE TABLE helpdesk_chats (
    id            bigserial PRIMARY KEY,          -- shown to officers as H<id>
    citizen_phone text NOT NULL,
    department    text,                           -- the department asked for; NULL: general
    lang          text NOT NULL DEFAULT 'hi',     -- the citizen's language when they asked
    state         text NOT NULL CHECK (state IN ('waiting', 'asked', 'live', 'closed')),
    officer_phone text,                           -- the owner, once live
    reached       text[] NOT NULL DEFAULT '{}',   -- every phone the question went to
    created_at    timestamptz NOT NULL DEFAULT now(),
    opens_at      timestamptz,                    -- waiting: the slot it waits for
    asked_at      timestamptz,                    -- when it reached officers
    fallback_at   timestamptz,                    -- when it went to the fallback phones
    answered_at   timestamptz,                    -- the first answer (or take)
    last_at       timestamptz NOT NULL DEFAULT now(), -- the last message either way
    ended_at      timestamptz,
    end_reason    text CHECK (end_reason IN ('officer', 'citizen', 'silence', 'case',
                                             'unanswered')),
    rating        text CHECK (rating IN ('helpful', 'not_helpful')),
    case_id       bigint REFERENCES cases(id)    -- the case filed from it (`case <DEPT>`)
);
CREATE UNIQUE INDEX helpdesk_chats_one_open ON helpdesk_chats (citizen_phone)
    WHERE state <> 'closed';
CREATE INDEX helpdesk_chats_owned ON helpdesk_chats (officer_phone) WHERE state = 'live';
CREATE INDEX helpdesk_chats_open ON helpdesk_chats (state, last_at) WHERE state <> 'closed';
CREATE INDEX helpdesk_chats_created ON helpdesk_chats (created_at);

-- Every message of a conversation, both ways, as it was relayed (media by its WhatsApp id).
-- chat_id is NULL for an officer's message held while they choose which of their
-- conversations it is for (several open, no swipe-reply).
CREATE TABLE helpdesk_messages (
    id         bigserial PRIMARY KEY,
    chat_id    bigint REFERENCES helpdesk_chats(id),
    side       text NOT NULL CHECK (side IN ('citizen', 'officer')),
    phone      text NOT NULL,
    wamid      text,                              -- the inbound message it came as
    text       text,
    media_type text,                              -- image, audio, video, document
    media_id   text,
    mime_type  text,
    filename   text,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX helpdesk_messages_by_chat ON helpdesk_messages (chat_id, id);
CREATE INDEX helpdesk_messages_held ON helpdesk_messages (phone, id) WHERE chat_id IS NULL;

-- The roster's and the fallback phones are staff: their messages go to the desk, not the menu.
CREATE OR REPLACE VIEW staff_phones AS
    SELECT phone FROM officers
    UNION
    SELECT unnest(nodal_phones || collector_phones || digest_phones) FROM districts
    UNION
    SELECT jsonb_array_elements_text(helpdesk->'fallback_phones') FROM districts
    WHERE jsonb_typeof(helpdesk->'fallback_phones') = 'array'
    UNION
    SELECT jsonb_array_elements_text(s->'phones')
    FROM districts, jsonb_array_elements(CASE WHEN jsonb_typeof(helpdesk->'roster') = 'array'
                                              THEN helpdesk->'roster' ELSE '[]' END) s
    WHERE jsonb_typeof(s->'phones') = 'array';
