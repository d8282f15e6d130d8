-- Orleans ADO.NET reminders (Microsoft.Orleans.Reminders.AdoNet 10.4), PostgreSQL.
-- Parameters: @ServiceId, @GrainId (GrainId.ToString()), @ReminderName, @GrainHash (the grain's
-- uniform hash, a uint bound as a signed int), @StartTime, @Period (milliseconds, int or bigint),
-- @Version (the reminder's ETag), @BeginHash/@EndHash (a ring range, also signed ints).

create table orleans.reminder (
    service_id    text not null,
    grain_id      text not null,
    reminder_name text not null,
    grain_hash    integer not null,
    start_time    timestamptz not null,
    period_ms     bigint not null,
    version       integer not null,
    primary key (service_id, grain_id, reminder_name)
);

-- Each silo reads the reminders of its ring range at start and every refresh period.
create index reminder_range_idx on orleans.reminder (service_id, grain_hash);

insert into orleans.orleansquery (querykey, querytext) values
('UpsertReminderRowKey', $q$
insert into orleans.reminder
    (service_id, grain_id, reminder_name, grain_hash, start_time, period_ms, version)
values (@ServiceId, @GrainId, @ReminderName, @GrainHash, @StartTime, @Period, 0)
on conflict (service_id, grain_id, reminder_name) do update
   set grain_hash = excluded.grain_hash,
       start_time = excluded.start_time,
       period_ms  = excluded.period_ms,
       version    = orleans.reminder.version + 1
returning version as "Version"
$q$),

('ReadReminderRowsKey', $q$
select grain_id as "GrainId", reminder_name as "ReminderName", start_time as "StartTime",
       period_ms as "Period", version as "Version"
  from orleans.reminder
 where service_id = @ServiceId and grain_id = @GrainId
$q$),

('ReadReminderRowKey', $q$
select grain_id as "GrainId", reminder_name as "ReminderName", start_time as "StartTime",
       period_ms as "Period", version as "Version"
  from orleans.reminder
 where service_id = @ServiceId and grain_id = @GrainId and reminder_name = @ReminderName
$q$),

-- The ring range is (BeginHash, EndHash] over unsigned hashes. The provider picks this query
-- when the range does not wrap in signed order ((int)begin < (int)end) ...
('ReadRangeRows1Key', $q$
select grain_id as "GrainId", reminder_name as "ReminderName", start_time as "StartTime",
       period_ms as "Period", version as "Version"
  from orleans.reminder
 where service_id = @ServiceId
   and grain_hash > @BeginHash and grain_hash <= @EndHash
$q$),

-- ... and this one when it does (including begin = end, the whole ring).
('ReadRangeRows2Key', $q$
select grain_id as "GrainId", reminder_name as "ReminderName", start_time as "StartTime",
       period_ms as "Period", version as "Version"
  from orleans.reminder
 where service_id = @ServiceId
   and (grain_hash > @BeginHash or grain_hash <= @EndHash)
$q$),

('DeleteReminderRowKey', $q$
with deleted as (
    delete from orleans.reminder
     where service_id = @ServiceId and grain_id = @GrainId and reminder_name = @ReminderName
       and version = @Version
    returning 1
)
select count(*) > 0 from deleted
$q$),

('DeleteReminderRowsKey', $q$
delete from orleans.reminder where service_id = @ServiceId
$q$);
