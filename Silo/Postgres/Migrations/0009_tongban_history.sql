-- Service history (issue 18): every ticket outcome, window session and pause, and ticket↔case link, for reports,
-- exports, alerts and the wait forecast. Written in batches by each silo's history writer (multi-row insert), never
-- on a ticket command's path. Partitioned by month on the local day (declarative range partitioning): the writer
-- creates a month's partitions before its first row (tongban.history_ensure_month), and the retention job drops whole
-- months (tongban.history_drop_before), so deleting three-year-old rows never scans a table.

create table if not exists tongban.history_ticket (
    hall_code       text        not null,
    region_code     text        not null,
    day             date        not null,
    ticket_no       text        not null,
    category        text        not null,
    outcome         text        not null check (outcome in ('served', 'noShow', 'cancelled', 'transferred', 'parked', 'unparked', 'walkUp')),
    window_no       integer,
    clerk           text,
    item            text,
    taken_at        timestamptz not null,
    called_at       timestamptz,
    started_at      timestamptz,
    at              timestamptz not null,
    wait_seconds    integer,
    service_seconds integer,
    parked_seconds  integer,
    kind            text        not null,
    note            text,
    primary key (hall_code, day, ticket_no, outcome, at)
) partition by range (day);

-- Region and province reports select by county-code prefix and day; clerk reports by clerk.
create index if not exists history_ticket_region on tongban.history_ticket (region_code text_pattern_ops, day);
create index if not exists history_ticket_clerk on tongban.history_ticket (clerk, day) where clerk is not null;

create table if not exists tongban.history_window (
    hall_code   text        not null,
    region_code text        not null,
    day         date        not null,
    window_no   integer     not null,
    clerk       text,
    kind        text        not null check (kind in ('session', 'pause')),
    start_at    timestamptz not null,
    end_at      timestamptz not null,
    reason      text,
    primary key (hall_code, day, window_no, kind, start_at)
) partition by range (day);

create index if not exists history_window_region on tongban.history_window (region_code text_pattern_ops, day);

create table if not exists tongban.history_case_link (
    case_no     text        not null,
    hall_code   text        not null,
    region_code text        not null,
    day         date        not null,
    ticket_no   text        not null,
    item_code   text        not null,
    window_no   integer,
    clerk       text,
    at          timestamptz not null,
    primary key (hall_code, day, ticket_no, case_no)
) partition by range (day);

create index if not exists history_case_link_case on tongban.history_case_link (case_no);
create index if not exists history_case_link_item on tongban.history_case_link (item_code, day);

-- Creates the three tables' partitions of the month starting at month_start (idempotent; serialized across silos).
create or replace function tongban.history_ensure_month(month_start date) returns void
language plpgsql as $$
declare
    parent text;
    first  date := date_trunc('month', month_start)::date;
begin
    perform pg_advisory_xact_lock(hashtext('tongban.history.partitions'));
    foreach parent in array array['history_ticket', 'history_window', 'history_case_link'] loop
        execute format('create table if not exists tongban.%I partition of tongban.%I for values from (%L) to (%L)',
                       parent || '_' || to_char(first, 'YYYYMM'), parent, first, (first + interval '1 month')::date);
    end loop;
end $$;

-- Drops every month partition that ends on or before cutoff's month start; returns the months dropped.
create or replace function tongban.history_drop_before(cutoff date) returns integer
language plpgsql as $$
declare
    part    record;
    dropped integer := 0;
    limit_month date := date_trunc('month', cutoff)::date;
begin
    perform pg_advisory_xact_lock(hashtext('tongban.history.partitions'));
    for part in
        select c.relname, p.relname as parent
          from pg_inherits i
          join pg_class c on c.oid = i.inhrelid
          join pg_class p on p.oid = i.inhparent
          join pg_namespace n on n.oid = p.relnamespace
         where n.nspname = 'tongban' and p.relname in ('history_ticket', 'history_window', 'history_case_link')
           and c.relname ~ '_[0-9]{6}$'
    loop
        if (to_date(right(part.relname, 6), 'YYYYMM') + interval '1 month')::date <= limit_month then
            execute format('drop table tongban.%I', part.relname);
            if part.parent = 'history_ticket' then
                dropped := dropped + 1;
            end if;
        end if;
    end loop;
    return dropped;
end $$;
