-- 好差评 ratings. Ratings, their events and exclusions are facts: insert-only (a trigger refuses update
-- and delete); the follow-up row is their projection and the only row that changes.

-- Served tickets (written when a window finishes a ticket): what a ticket rating rates, kept beyond the
-- queue's day. A ticket number is unique per hall and day only.
create table if not exists tongban.rating_service (
    hall_code   text        not null,
    day         date        not null,
    ticket_no   text        not null,
    category    text        not null,
    window_no   integer     not null,
    clerk       text,
    finished_at timestamptz not null,
    recorded_at timestamptz not null default now(),
    primary key (hall_code, day, ticket_no)
);

-- One rating per target: the primary key is T-{hall}-{yyyyMMdd}-{ticketNo} or C-{caseNo}.
create table if not exists tongban.rating (
    id               text        primary key,
    seq              bigint      generated always as identity unique,
    kind             text        not null check (kind in ('ticket', 'case')),
    hall_code        text,
    service_day      date,
    ticket_no        text,
    case_no          text,
    window_no        integer,
    clerk            text,
    item_code        text,
    department_code  text,
    region_code      text        not null,
    scopes           text[]      not null,
    level            smallint    not null check (level between 1 and 5),
    channel          text        not null,
    sub_scores       jsonb,
    comment          text        check (char_length(comment) <= 4000),
    rater_key        text,
    entered_by       text,
    service_ended_at timestamptz not null,
    created_at       timestamptz not null,
    day              date        not null
);

-- Roll-up recounts select by scope key (GIN over the keys each rating counts in) and recent deltas by time.
create index if not exists rating_scopes on tongban.rating using gin (scopes);
create index if not exists rating_created_at on tongban.rating (created_at);

-- An upheld appeal: the rating stays, this row takes it out of every figure, with the reason.
create table if not exists tongban.rating_exclusion (
    rating_id  text        primary key references tongban.rating (id),
    reason     text        not null,
    decided_by text        not null,
    decided_at timestamptz not null
);

create index if not exists rating_exclusion_decided_at on tongban.rating_exclusion (decided_at);

-- The follow-up of a 差评 (核实 → 整改 → 反馈 → 复评, appeal): the current state, versioned.
create table if not exists tongban.rating_followup (
    rating_id        text        primary key references tongban.rating (id),
    version          integer     not null,
    stage            text        not null,
    is_open          boolean     not null,
    owner_hall       text,
    owner_department text,
    region_code      text        not null,
    return_visit_due date        not null,
    reply_due        date        not null,
    rv_flagged       boolean     not null,
    reply_flagged    boolean     not null,
    state            jsonb       not null,
    updated_at       timestamptz not null default now()
);

create index if not exists rating_followup_open on tongban.rating_followup (reply_due) where is_open;

-- Everything that happened to a rating, in version order: the audit trail of follow-ups and appeals.
create table if not exists tongban.rating_event (
    seq        bigint      generated always as identity primary key,
    rating_id  text        not null references tongban.rating (id),
    version    integer     not null,
    kind       text        not null,
    at         timestamptz not null,
    actor_role text        not null,
    actor      text,
    note       text,
    level      smallint,
    unique (rating_id, version)
);

create or replace function tongban.refuse_change() returns trigger language plpgsql as $$
begin
    raise exception '% is append-only: rows are never updated or deleted', tg_table_name using errcode = 'P0001';
end
$$;

drop trigger if exists rating_append_only on tongban.rating;
create trigger rating_append_only before update or delete on tongban.rating
    for each row execute function tongban.refuse_change();
drop trigger if exists rating_event_append_only on tongban.rating_event;
create trigger rating_event_append_only before update or delete on tongban.rating_event
    for each row execute function tongban.refuse_change();
drop trigger if exists rating_exclusion_append_only on tongban.rating_exclusion;
create trigger rating_exclusion_append_only before update or delete on tongban.rating_exclusion
    for each row execute function tongban.refuse_change();
