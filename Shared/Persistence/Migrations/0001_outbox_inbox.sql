-- Open137 persistence track, applied by Migrator to every service schema before the service's own
-- migrations. Names are unqualified on purpose: the migrator runs this with
-- `SET LOCAL search_path TO "<schema>"`, so each schema gets its own outbox and inbox.
-- Never edit this file once released (its checksum is recorded per schema): add 0002_….sql instead.

-- Events written in the business transaction, relayed to the broker by OutboxRelay.
CREATE TABLE outbox (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id       text        NOT NULL,
    exchange       text        NOT NULL,
    routing_key    text        NOT NULL,
    body           bytea       NOT NULL,
    content_type   text        NOT NULL,
    correlation_id text,
    reply_to       text,
    message_type   text,
    headers        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    mandatory      boolean     NOT NULL DEFAULT true,
    persistent     boolean     NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    available_at   timestamptz NOT NULL DEFAULT now(),
    sent_at        timestamptz,
    attempts       integer     NOT NULL DEFAULT 0,
    last_error     text,
    CONSTRAINT outbox_event_destination_key UNIQUE (event_id, exchange, routing_key)
);

-- What the relay claims: unsent rows in id order.
CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;
-- What the retention clean-up deletes.
CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Event ids a consumer has applied, written in the same transaction as the effect.
CREATE TABLE inbox (
    consumer     text        NOT NULL,
    event_id     text        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

CREATE INDEX inbox_processed_at_idx ON inbox (processed_at);
