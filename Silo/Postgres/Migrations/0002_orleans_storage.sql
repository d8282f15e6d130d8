-- Orleans ADO.NET grain storage (Microsoft.Orleans.Persistence.AdoNet 10.4), PostgreSQL.
-- Parameters: @ServiceId, @GrainTypeString (the state name), @GrainIdN0/@GrainIdN1 (integer
-- and Guid keys), @GrainIdExtensionString (string key, or a key extension), @GrainStateVersion
-- (the ETag the grain holds, null for a grain that has never been stored), @PayloadBinary.
-- @GrainIdHash and @GrainTypeHash are bound too but not needed: the primary key is the
-- identity itself.
--
-- Optimistic concurrency: version is the ETag. A write names the version it read and moves it
-- on by one; a stale or missing version matches no row and returns nothing, which the provider
-- turns into InconsistentStateException. A first write (null version) inserts, and loses to a
-- row that already exists (another activation wrote first).

create table orleans.grain_state (
    service_id         text not null,
    grain_type         text not null,
    grain_id_n0        bigint not null,
    grain_id_n1        bigint not null,
    -- '' stands for "no extension" so the primary key needs no NULLS NOT DISTINCT (PostgreSQL 15+).
    grain_id_extension text not null,
    payload            bytea,             -- Orleans' binary serializer; null after ClearState
    version            integer not null,  -- int: Orleans parses the ETag with int.Parse
    modified_at        timestamptz not null default now(),
    primary key (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
);

insert into orleans.orleansquery (querykey, querytext) values
('ReadFromStorageKey', $q$
select payload as "PayloadBinary", version as "Version"
  from orleans.grain_state
 where service_id = @ServiceId
   and grain_type = @GrainTypeString
   and grain_id_n0 = @GrainIdN0 and grain_id_n1 = @GrainIdN1
   and grain_id_extension = coalesce(@GrainIdExtensionString, '')
$q$),

('WriteToStorageKey', $q$
with inserted as (
    insert into orleans.grain_state
        (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
    select @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1,
           coalesce(@GrainIdExtensionString, ''), @PayloadBinary, 1
     where @GrainStateVersion is null
    on conflict do nothing
    returning version
), updated as (
    update orleans.grain_state
       set payload = @PayloadBinary, version = version + 1, modified_at = now()
     where service_id = @ServiceId
       and grain_type = @GrainTypeString
       and grain_id_n0 = @GrainIdN0 and grain_id_n1 = @GrainIdN1
       and grain_id_extension = coalesce(@GrainIdExtensionString, '')
       and version = @GrainStateVersion
    returning version
)
select version as "NewGrainStateVersion" from inserted
union all
select version from updated
$q$),

-- Clearing keeps the row (payload null) so the version keeps counting: a stale activation that
-- still holds the old ETag cannot write after the clear.
('ClearStorageKey', $q$
update orleans.grain_state
   set payload = null, version = version + 1, modified_at = now()
 where service_id = @ServiceId
   and grain_type = @GrainTypeString
   and grain_id_n0 = @GrainIdN0 and grain_id_n1 = @GrainIdN1
   and grain_id_extension = coalesce(@GrainIdExtensionString, '')
   and version = @GrainStateVersion
returning version
$q$),

-- Used when a provider is configured with DeleteStateOnClear: removes the row. The provider
-- wants a value that differs from the ETag it held, so the statement answers version + 1.
('DeleteStorageKey', $q$
delete from orleans.grain_state
 where service_id = @ServiceId
   and grain_type = @GrainTypeString
   and grain_id_n0 = @GrainIdN0 and grain_id_n1 = @GrainIdN1
   and grain_id_extension = coalesce(@GrainIdExtensionString, '')
   and version = @GrainStateVersion
returning version + 1
$q$);
