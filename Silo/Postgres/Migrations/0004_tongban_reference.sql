-- TongBan's own reference data: the service points of the 政务数字地图, seeded by every silo at
-- start (insert ... on conflict do nothing, so operator edits survive re-seeding).

-- The migrator creates this schema before any migration (schema_migrations lives in it).
create schema if not exists tongban;

create table tongban.service_point (
    code        text primary key,
    region_code text not null,
    type        text not null,   -- ServicePointType as written in data ("hall", "station", ...)
    data        jsonb not null,  -- the whole ServicePoint (System.Text.Json, camelCase, enums as strings)
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    constraint service_point_code_matches_data check (data ->> 'code' = code)
);

create index service_point_region_idx on tongban.service_point (region_code);
