-- Notifications outbox (issue 17). One row per (event, channel, recipient): the unique key makes a replayed write
-- (a retried command, a re-handed step) change nothing. Case steps write their rows in the same statement as the
-- case commit. Dispatchers lease due rows (lease_owner/lease_until, taken with FOR UPDATE SKIP LOCKED), so one
-- dispatcher works a row at a time across silos, and write back only while they hold the lease.
create table if not exists tongban.notification (
    id               bigint      generated always as identity primary key,
    event_id         text        not null,
    channel          text        not null check (channel in ('sms', 'weChat', 'app')),
    recipient_key    text        not null,
    subject          text        not null,
    recipient_masked text        not null,
    sealed_address   bytea,
    template         text        not null,
    parameters       jsonb       not null,
    state            text        not null check (state in ('queued', 'sent', 'delivered', 'failed', 'dead', 'suppressed')),
    reason           text,
    attempts         integer     not null default 0,
    created_at       timestamptz not null,
    next_attempt_at  timestamptz not null,
    lease_owner      text,
    lease_until      timestamptz,
    sent_at          timestamptz,
    delivered_at     timestamptz,
    receipt          text,
    last_error       text,
    unique (event_id, channel, recipient_key)
);

-- The dispatcher's scan: only queued rows, by due time.
create index if not exists notification_due on tongban.notification (next_attempt_at) where state = 'queued';
create index if not exists notification_subject on tongban.notification (subject, id);
-- Per-recipient rate limits count rows sent in the last minute and day.
create index if not exists notification_recipient_sent on tongban.notification (recipient_key, channel, sent_at) where sent_at is not null;
create index if not exists notification_receipt on tongban.notification (channel, receipt) where receipt is not null;
create index if not exists notification_failures on tongban.notification (id) where state in ('failed', 'dead');

-- 退订: a recipient who wants nothing more on a channel.
create table if not exists tongban.notification_opt_out (
    recipient_key text        not null,
    channel       text        not null,
    opted_out_at  timestamptz not null,
    primary key (recipient_key, channel)
);
