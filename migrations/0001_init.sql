-- 0001_init.sql — the schema every later part of Sampark stands on.
-- One database serves one district (one WhatsApp number). Times are timestamptz (UTC inside);
-- phones are WhatsApp ids: country code and digits, stored as text.

-- The district directory (`sampark directory load`), one row.
CREATE TABLE districts (
    code                  text PRIMARY KEY CHECK (code ~ '^[A-Z]{2,8}$'),
    name                  jsonb NOT NULL,              -- {"en": ..., "hi": ...}
    languages             text[] NOT NULL,
    nodal_phones          text[] NOT NULL DEFAULT '{}',
    nodal_after_hours     integer CHECK (nodal_after_hours > 0),
    collector_phones      text[] NOT NULL DEFAULT '{}',
    collector_after_hours integer CHECK (collector_after_hours > 0),
    digest_phones         text[] NOT NULL DEFAULT '{}',
    digest_daily_at       time,
    digest_weekly_day     text CHECK (digest_weekly_day IN
                          ('monday','tuesday','wednesday','thursday','friday','saturday','sunday')),
    timezone              text NOT NULL DEFAULT 'Asia/Kolkata',
    templates             jsonb NOT NULL DEFAULT '{}', -- {"officer_new_case": {"name","language"}, ...}
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX districts_one_row ON districts ((true));

-- Departments are never deleted once cases may point at them: a department removed from the
-- directory is retired (active = false) and gets no new complaints.
CREATE TABLE departments (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{1,15}$'),
    name        jsonb NOT NULL,                  -- list-row title per language (<= 24 chars)
    description jsonb,                           -- list-row description per language (<= 72)
    sla_hours   integer CHECK (sla_hours > 0),   -- NULL: escalation.nodal.after_hours, else 48
    urgent      boolean NOT NULL DEFAULT false,
    position    integer NOT NULL DEFAULT 0,      -- order in the citizen's menu
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE officers (
    department_code text NOT NULL REFERENCES departments(code),
    phone           text NOT NULL CHECK (phone ~ '^[0-9]{8,15}$'),
    name            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (department_code, phone)
);
CREATE INDEX officers_by_phone ON officers (phone);

-- Everyone who wrote to the district's number and is not an officer.
CREATE TABLE citizens (
    phone            text PRIMARY KEY CHECK (phone ~ '^[0-9]{5,20}$'),
    name             text,                       -- WhatsApp profile name, as last seen
    language         text,                       -- chosen in the conversation
    last_inbound_at  timestamptz,                -- opens the 24-hour free-form window
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Tracking numbers <DISTRICT>-<YYYY>-<6 digits>: one counter per district and year, advanced
-- inside the case-creating transaction, so a number is never reused (gaps are acceptable).
CREATE TABLE tracking_counters (
    district_code text NOT NULL,
    year          integer NOT NULL,
    last_value    integer NOT NULL DEFAULT 0 CHECK (last_value <= 999999),
    PRIMARY KEY (district_code, year)
);

CREATE TABLE cases (
    id                bigserial PRIMARY KEY,
    tracking_no       text NOT NULL UNIQUE CHECK (tracking_no ~ '^[A-Z]{2,8}-[0-9]{4}-[0-9]{6}$'),
    status            text NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open','in_progress','resolved','reopened','closed')),
    department_code   text NOT NULL REFERENCES departments(code),
    citizen_phone     text NOT NULL REFERENCES citizens(phone),
    citizen_name      text,
    language          text NOT NULL DEFAULT 'hi',
    description       text NOT NULL,
    location_text     text,                       -- village / ward as the citizen wrote it
    latitude          double precision,
    longitude         double precision,
    urgent            boolean NOT NULL DEFAULT false,
    reopen_count      integer NOT NULL DEFAULT 0,
    escalation_level  smallint NOT NULL DEFAULT 0, -- 0 none, 1 nodal, 2 collector (this clock)
    source_message_id text UNIQUE,                 -- inbound wamid: a complaint is created once
    sla_started_at    timestamptz NOT NULL DEFAULT now(), -- restarts at each reopen
    sla_due_at        timestamptz NOT NULL,
    resolved_at       timestamptz,
    closed_at         timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
-- Officers' "cases" and the SLA scan: unresolved cases by department, oldest due first.
CREATE INDEX cases_unresolved_by_dept_due ON cases (department_code, sla_due_at)
    WHERE status IN ('open','in_progress','reopened');
CREATE INDEX cases_unresolved_due ON cases (sla_due_at)
    WHERE status IN ('open','in_progress','reopened');
-- Auto-close of unanswered satisfaction questions.
CREATE INDEX cases_resolved_at ON cases (resolved_at) WHERE status = 'resolved';
-- "My complaints" for a citizen, newest first.
CREATE INDEX cases_by_citizen ON cases (citizen_phone, created_at DESC);
CREATE INDEX cases_by_status_dept ON cases (status, department_code);

-- The audit trail: every change to a case, with who did it and when.
CREATE TABLE case_events (
    id       bigserial PRIMARY KEY,
    case_id  bigint NOT NULL REFERENCES cases(id),
    kind     text NOT NULL CHECK (kind ~ '^[a-z_]{2,32}$'), -- created, reply, resolved, escalated...
    actor    text NOT NULL,                      -- a phone, 'citizen', 'system', 'scheduler'
    text     text,
    detail   jsonb NOT NULL DEFAULT '{}',
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_events_by_case ON case_events (case_id, at, id);
CREATE INDEX case_events_by_kind_at ON case_events (kind, at);

CREATE TABLE attachments (
    id          bigserial PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES cases(id),
    event_id    bigint REFERENCES case_events(id),
    media_id    text NOT NULL,                   -- WhatsApp media id
    media_type  text NOT NULL CHECK (media_type IN ('image','audio','video','document','sticker')),
    mime        text,
    caption     text,
    filename    text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_by_case ON attachments (case_id);

-- Each inbound message id is processed once (Meta redelivers for up to 7 days).
CREATE TABLE inbound_messages (
    wamid         text PRIMARY KEY,
    from_phone    text NOT NULL,
    type          text NOT NULL,
    received_at   timestamptz NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbound_messages_by_phone ON inbound_messages (from_phone, received_at);

-- The durable outbox and the delivery state of everything Sampark sends.
CREATE TABLE outbound_messages (
    id               bigserial PRIMARY KEY,
    idempotency_key  text UNIQUE,                -- what caused it, so a retry enqueues once
    recipient        text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('text','interactive','template','image','document','read')),
    purpose          text,                       -- e.g. officer_new_case, citizen_update, digest
    case_id          bigint REFERENCES cases(id),
    payload          jsonb NOT NULL,
    state            text NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued','sending','sent','delivered','read','failed')),
    wamid            text UNIQUE,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    error_code       integer,
    error            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbound_pending ON outbound_messages (next_attempt_at, id) WHERE state IN ('queued','sending');
CREATE INDEX outbound_by_case ON outbound_messages (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX outbound_by_recipient ON outbound_messages (recipient, id);
