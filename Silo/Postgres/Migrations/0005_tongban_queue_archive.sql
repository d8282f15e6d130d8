-- Closed queue days: one row per hall, category and local date, written when a queue's day rolls over.
-- The queue grain keeps only today's tickets; history for trend charts and supervision lives here.
create table if not exists tongban.queue_day_summary (
    hall_code   text        not null,
    category    text        not null,
    day         date        not null,
    issued      integer     not null,
    served      integer     not null,
    no_shows    integer     not null,
    summary     jsonb       not null,
    archived_at timestamptz not null default now(),
    primary key (hall_code, day, category)
);

create index if not exists queue_day_summary_day on tongban.queue_day_summary (day);
