-- 0002_inbound.sql — what the webhook workers record before any conversation runs.

-- Every WhatsApp number that wrote to the district, staff included: the 24-hour window for
-- free-form replies opens at last_inbound_at.
CREATE TABLE wa_contacts (
    phone            text PRIMARY KEY CHECK (phone ~ '^[0-9]{5,20}$'),
    profile_name     text,
    last_inbound_at  timestamptz NOT NULL,
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Phones in the directory: officers, nodal officers, the collector and digest readers.
-- Everyone else who writes is a citizen.
CREATE VIEW staff_phones AS
    SELECT phone FROM officers
    UNION
    SELECT unnest(nodal_phones || collector_phones || digest_phones) FROM districts;

-- Where an inbound message came from in the conversation log.
ALTER TABLE inbound_messages ADD COLUMN profile_name text;
