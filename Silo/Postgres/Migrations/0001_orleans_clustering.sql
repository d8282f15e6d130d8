-- Orleans ADO.NET clustering (Microsoft.Orleans.Clustering.AdoNet 10.4), PostgreSQL.
-- Orleans ships no PostgreSQL schema for 10.x; the provider reads its SQL from OrleansQuery
-- by key and binds named parameters (@DeploymentId = ClusterOptions.ClusterId, ...).
--
-- Concurrency model: one version row per cluster is the table's optimistic-concurrency token.
-- Every membership change (insert or update of a member row) must name the version it read
-- (@Version) and bumps it in the same statement; a stale version changes nothing and answers
-- false, which makes Orleans re-read the table and retry. Each member row's ETag is that table
-- version (the 10.4 provider hands the table version out as the row ETag), so checking the
-- version row is also the row-level check. Heartbeats (IAmAliveTime) are not membership
-- changes and do not bump the version.

create schema if not exists orleans;

-- The provider bootstraps with the literal query "SELECT QueryKey, QueryText FROM OrleansQuery",
-- unqualified and unquoted: it resolves through the search_path (PostgresSettings sets
-- "Search Path=orleans" on the Orleans connection string) and folds to these lower-case names.
create table orleans.orleansquery (
    querykey  text primary key,
    querytext text not null
);

create table orleans.membership_version (
    cluster_id text primary key,
    version    integer not null default 0, -- int: Orleans parses the ETag with int.Parse
    updated_at timestamptz not null default now()
);

-- Times are timestamptz: the provider binds DateTime parameters as DbType.DateTime with
-- Kind=Utc, which Npgsql sends as timestamptz, so the session time zone never shifts them.
create table orleans.membership (
    cluster_id      text not null references orleans.membership_version (cluster_id) on delete cascade,
    address         text not null,
    port            integer not null,
    generation      integer not null,
    silo_name       text not null,
    host_name       text not null,
    status          integer not null, -- Orleans.Runtime.SiloStatus: 3 Active, 6 Dead
    proxy_port      integer not null, -- 0 when the silo runs no gateway
    suspect_times   text,             -- "silo,time|silo,time" as written by the provider
    start_time      timestamptz not null,
    i_am_alive_time timestamptz not null,
    primary key (cluster_id, address, port, generation)
);

insert into orleans.orleansquery (querykey, querytext) values
('InsertMembershipVersionKey', $q$
with created as (
    insert into orleans.membership_version (cluster_id)
    values (@DeploymentId)
    on conflict (cluster_id) do nothing
    returning 1
)
select count(*) > 0 from created
$q$),

-- Reads the version row and, outer-joined, the member rows, in one statement so both come from
-- one snapshot: the version handed out must be the one the rows were read at. The version row
-- always yields a row; a missing member shows as null StartTime, which the provider skips.
('MembershipReadAllKey', $q$
select v.version          as "Version",
       m.address          as "Address",
       m.port             as "Port",
       m.generation       as "Generation",
       m.silo_name        as "SiloName",
       m.host_name        as "HostName",
       m.status           as "Status",
       m.proxy_port       as "ProxyPort",
       m.suspect_times    as "SuspectTimes",
       m.start_time       as "StartTime",
       m.i_am_alive_time  as "IAmAliveTime"
from orleans.membership_version v
left join orleans.membership m on m.cluster_id = v.cluster_id
where v.cluster_id = @DeploymentId
$q$),

('MembershipReadRowKey', $q$
select v.version          as "Version",
       m.address          as "Address",
       m.port             as "Port",
       m.generation       as "Generation",
       m.silo_name        as "SiloName",
       m.host_name        as "HostName",
       m.status           as "Status",
       m.proxy_port       as "ProxyPort",
       m.suspect_times    as "SuspectTimes",
       m.start_time       as "StartTime",
       m.i_am_alive_time  as "IAmAliveTime"
from orleans.membership_version v
left join orleans.membership m
       on m.cluster_id = v.cluster_id
      and m.address = @Address and m.port = @Port and m.generation = @Generation
where v.cluster_id = @DeploymentId
$q$),

-- The version update takes the version row's lock, so concurrent writers of one cluster queue
-- up behind it and all but the first find the version moved on. The member must not exist yet:
-- a duplicate answers false rather than raising.
('InsertMembershipKey', $q$
with bumped as (
    update orleans.membership_version
       set version = version + 1, updated_at = now()
     where cluster_id = @DeploymentId
       and version = @Version
       and not exists (select 1 from orleans.membership
                        where cluster_id = @DeploymentId
                          and address = @Address and port = @Port and generation = @Generation)
    returning cluster_id
), inserted as (
    insert into orleans.membership
        (cluster_id, address, port, generation, silo_name, host_name, status, proxy_port,
         start_time, i_am_alive_time)
    select cluster_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
           @StartTime, @IAmAliveTime
      from bumped
    returning 1
)
select count(*) = 1 from inserted
$q$),

('UpdateMembershipKey', $q$
with bumped as (
    update orleans.membership_version
       set version = version + 1, updated_at = now()
     where cluster_id = @DeploymentId
       and version = @Version
       and exists (select 1 from orleans.membership
                    where cluster_id = @DeploymentId
                      and address = @Address and port = @Port and generation = @Generation)
    returning cluster_id
), updated as (
    update orleans.membership m
       set status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
      from bumped
     where m.cluster_id = bumped.cluster_id
       and m.address = @Address and m.port = @Port and m.generation = @Generation
    returning 1
)
select count(*) = 1 from updated
$q$),

('UpdateIAmAlivetimeKey', $q$
update orleans.membership
   set i_am_alive_time = @IAmAliveTime
 where cluster_id = @DeploymentId
   and address = @Address and port = @Port and generation = @Generation
$q$),

-- Clients (and silos' gateway list) want the active silos that run a gateway.
('GatewaysQueryKey', $q$
select address as "Address", proxy_port as "ProxyPort", generation as "Generation"
  from orleans.membership
 where cluster_id = @DeploymentId
   and status = @Status
   and proxy_port > 0
$q$),

-- Removes the whole cluster: the version row and, by cascade, its members.
('DeleteMembershipTableEntriesKey', $q$
delete from orleans.membership_version where cluster_id = @DeploymentId
$q$),

-- Legacy bulk cleanup, used only when CleanupDefunctSiloEntryKey is absent: dead silos whose
-- heartbeat and start both precede the cutoff.
('CleanupDefunctSiloEntriesKey', $q$
delete from orleans.membership
 where cluster_id = @DeploymentId
   and status = 6
   and i_am_alive_time < @IAmAliveTime
   and start_time < @IAmAliveTime
$q$),

-- Per-row cleanup: the provider decided from a read that this dead row is old enough and passes
-- the values it saw; the row goes only if nothing changed since (a late suspicion vote, a
-- heartbeat), so a concurrent writer never loses an update to the cleanup.
('CleanupDefunctSiloEntryKey', $q$
delete from orleans.membership
 where cluster_id = @DeploymentId
   and address = @Address and port = @Port and generation = @Generation
   and status = 6
   and start_time = @StartTime
   and i_am_alive_time = @IAmAliveTime
   and suspect_times is not distinct from @SuspectTimes
$q$);
