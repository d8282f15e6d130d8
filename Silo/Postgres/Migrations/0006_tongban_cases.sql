-- Cases (办件): the current state of each case with its query projection, the hash-chained audit log, and
-- the global chain of seals over that log. PostgresCaseStore writes a case row and its audit entry in one
-- statement, so the three can never disagree. No column holds raw personal data: the applicant is kept as
-- keyed hashes, masked forms and an AES-GCM sealed blob (ApplicantRecord).
--
-- Codes and keys are collate "C": they are ASCII identifiers compared byte-wise, which keeps ordering equal
-- to the in-memory store's ordinal ordering whatever the database locale, and lets the region-subtree filter
-- (a prefix of the GB/T 2260 code) run as an index range scan.

create table tongban.case_record (
    case_no              text collate "C" primary key,
    version              integer not null check (version >= 1),
    state                jsonb   not null,  -- CaseState: System.Text.Json, camelCase, enums as names
    applicant            jsonb   not null,  -- ApplicantRecord: hashes, masks, sealed blob (base64)
    last_hash            bytea   not null,  -- hash of this version's audit entry: the next entry links to it
    -- The projection (CaseSummary), rewritten with every commit; rebuildable from state + applicant.
    item_code            text collate "C" not null,
    status               text    not null,  -- CaseStatus wire name ("underReview")
    department_code      text collate "C" not null,
    region_code          text collate "C" not null,
    receiving_hall_code  text collate "C",
    channel              text    not null,
    submitted_at         timestamptz not null,
    updated_at           timestamptz not null,
    due_date             date,
    stage                text    not null,  -- onTrack, warning, overdue, none
    visits               integer not null,
    applicant_id_key     text collate "C" not null,
    applicant_phone_key  text collate "C" not null,
    deadline_provisional boolean not null,
    elapsed_working_days integer
) with (toast_tuple_target = 8160);

-- One index per CaseQuery filter, each ending in submitted_at desc so "newest first, limit n" reads the
-- index in order and stops. Every transition changes status, so updates are never HOT and each index
-- costs one insertion per commit: do not add indexes here without measuring (docs/PERFORMANCE.md, Cases).
create index case_record_applicant_idx on tongban.case_record (applicant_id_key, submitted_at desc);
create index case_record_phone_idx on tongban.case_record (applicant_phone_key, submitted_at desc);
create index case_record_hall_idx on tongban.case_record (receiving_hall_code, submitted_at desc);
create index case_record_department_idx on tongban.case_record (department_code, region_code, submitted_at desc);
create index case_record_status_idx on tongban.case_record (status, submitted_at desc);
create index case_record_submitted_idx on tongban.case_record (submitted_at desc);
-- Partial: overdue cases are few, and only they pay for this index.
create index case_record_overdue_idx on tongban.case_record (submitted_at desc) where stage = 'overdue';

-- Audit entry ids. CACHE 1 (the default) is required: the sealer relies on ids being handed out in
-- real-time order across sessions, which per-session caching would break.
create sequence tongban.case_audit_id_seq cache 1;

-- The id default of tongban.case_audit. It gives the inserting transaction its transaction id before it
-- takes a sequence value, so "every id <= the sequence's last value was taken by a transaction older than
-- the next xid" holds: that is what lets the sealer prove that a gap in the ids is permanent (see
-- PostgresCaseStore.SealAsync). A plain bigserial takes the value first and the xid only at the heap insert.
create function tongban.case_audit_next_id() returns bigint
language plpgsql volatile as $$
begin
    perform pg_current_xact_id();
    return nextval('tongban.case_audit_id_seq');
end
$$;

create table tongban.case_audit (
    id            bigint primary key default tongban.case_audit_next_id(),
    case_no       text collate "C" not null,
    version       integer not null,
    -- The canonical JSON exactly as hashed (AuditChain.Canonical). text, not jsonb: jsonb would reorder keys
    -- and drop whitespace, and the hash could no longer be recomputed. Query it with canonical::jsonb.
    canonical     text    not null,
    previous_hash bytea   not null,
    hash          bytea   not null,
    recorded_at   timestamptz not null default now(),
    constraint case_audit_case_version unique (case_no, version)
);

alter sequence tongban.case_audit_id_seq owned by tongban.case_audit.id;

-- The global chain: seal(n) = SHA-256(seal(n-1) || hash of entry n), in entry id order, written only by the
-- sealer. The foreign key stops an accidental delete of a sealed entry; the chain is what detects a
-- deliberate one (constraints can be dropped or bypassed by whoever can edit rows).
create table tongban.case_audit_seal (
    entry_id  bigint primary key references tongban.case_audit (id),
    seal      bytea not null,
    sealed_at timestamptz not null default now()
);
