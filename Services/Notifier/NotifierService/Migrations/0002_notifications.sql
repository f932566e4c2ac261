-- What the notifier needs to tell a reporter about later events (routed, status changed, reassigned),
-- which do not carry the contact: stored from report.received, keyed by the report. Personal data: only
-- the notifier reads it, and it never leaves this schema except to the reporter's own SMS/e-mail.
CREATE TABLE reporters (
    report_id     uuid PRIMARY KEY,
    tracking_code text NOT NULL,
    language      text NOT NULL CHECK (language IN ('fa', 'en')),
    phone         text,
    email         text,
    -- false when the reporter asked for no messages (reporter.notify = false); no contact also means none.
    notify        boolean NOT NULL,
    stored_at     timestamptz NOT NULL DEFAULT now()
);

-- Subscriptions of other systems (the 137 call centre, the council, district offices): `open137 webhooks
-- add`, or NOTIFIER_WEBHOOKS at start. `events` are topic patterns (`report.*`, `report.#`, exact types).
CREATE TABLE webhook_subscriptions (
    id         bigserial PRIMARY KEY,
    url        text NOT NULL,
    events     text[] NOT NULL,
    secret     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (url, events)
);

-- One row per notification: written (pending) in the transaction that handled the event, sent after the
-- commit by the channel's sender, so a crash never loses one. The idempotency key (event id + channel +
-- recipient, hashed) makes a redelivered event add nothing, and is sent to the gateway or receiver.
CREATE TABLE notifications (
    id              bigserial PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE,
    event_id        text NOT NULL,
    event_type      text NOT NULL,
    report_id       uuid,
    channel         text NOT NULL CHECK (channel IN ('sms', 'email', 'webhook')),
    -- phone (E.164), e-mail address, or the webhook's URL
    recipient       text NOT NULL,
    subscription_id bigint REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    subject         text,
    body            text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'suppressed')),
    attempts        integer NOT NULL DEFAULT 0,
    -- when a sender may take it next; a claim moves it a lease ahead, so a crashed sender's claim expires
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    gateway_id      text,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);

-- The senders' queue, one per channel.
CREATE INDEX notifications_due ON notifications (channel, next_attempt_at) WHERE status = 'pending';
-- The rate limit per recipient.
CREATE INDEX notifications_recipient ON notifications (recipient, created_at) WHERE channel <> 'webhook';
-- Operators look for failed ones.
CREATE INDEX notifications_failed ON notifications (created_at) WHERE status = 'failed';
