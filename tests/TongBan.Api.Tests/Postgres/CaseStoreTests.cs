using System.Text.Json;
using System.Threading.Channels;
using System.Transactions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Silo.Postgres;
using static TongBan.Api.Tests.Postgres.CaseData;

namespace TongBan.Api.Tests.Postgres;

[Collection(PostgresCollection.Name)]
[Trait("Category", "Integration")]
public sealed class CaseStoreTests(PostgresServer server)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static int sequence;

    private static CaseNumber NewCaseNo(string region = "520102", DateOnly? day = null) =>
        CaseNumber.Create(region, day ?? new DateOnly(2026, 3, 2), Interlocked.Increment(ref sequence));

    private async Task<(NpgsqlDataSource DataSource, PostgresCaseStore Store, CaseDriver Driver)> StoreAsync(string hint)
    {
        var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync(hint));
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(None);
        var store = new PostgresCaseStore(dataSource);
        return (dataSource, store, new CaseDriver(store));
    }

    /// <summary>
    /// rsj-001 applied for online without the photos: received incomplete → one-time notice → supplements received
    /// → accepted → review → suspended for a day (补正) → resumed → approved → completed → delivered by EMS.
    /// </summary>
    private static async Task<List<CaseState>> FullLifeAsync(CaseDriver driver, CaseNumber caseNo, ApplicantDetails? who = null)
    {
        var noPhoto = AllMaterials("rsj-001").Where(m => m.MaterialId != "photo").ToArray();
        var at = T0;
        List<CaseState> versions = [await driver.SubmitAsync("rsj-001", caseNo, who ?? Zhang, "520102", at, materials: noPhoto)];
        async Task Step(CaseAction action, TimeSpan after, Func<CaseCommand, CaseCommand>? tweak = null)
        {
            at += after;
            versions.Add(await driver.DoAsync(caseNo.Value, action, at, tweak));
        }

        await Step(CaseAction.Receive, TimeSpan.FromMinutes(20), c => c with { Materials = null, Comment = "照片未带" });
        await Step(CaseAction.NotifyMissing, TimeSpan.FromMinutes(5), c => c with
        {
            MissingMaterials = [.. versions[^1].Gaps, new MaterialGap("application-form", MaterialProblem.Defective, "登记表未签字")],
        });
        await Step(CaseAction.Receive, TimeSpan.FromHours(2), c => c with { Materials = AllMaterials("rsj-001") });
        await Step(CaseAction.Accept, TimeSpan.FromMinutes(3));
        await Step(CaseAction.StartReview, TimeSpan.FromHours(1));
        await Step(CaseAction.Suspend, TimeSpan.FromDays(1));
        await Step(CaseAction.Resume, TimeSpan.FromDays(1).Add(TimeSpan.FromTicks(1_234_567))); // sub-microsecond ticks
        await Step(CaseAction.Approve, TimeSpan.FromHours(3));
        await Step(CaseAction.Complete, TimeSpan.FromMinutes(30));
        await Step(CaseAction.Deliver, TimeSpan.FromHours(20), c => c with { DeliveryMethod = DeliveryMethod.Ems, TrackingNumber = "ea 123456789 cn" });
        return versions;
    }

    /// <summary>
    /// Record equality treats lists by reference, so lists are compared element-wise first and then swapped in;
    /// the record comparison then covers every other property, including any added later.
    /// </summary>
    private static void AssertSameState(CaseState expected, CaseState actual)
    {
        Assert.Equal(expected.Materials, actual.Materials);
        Assert.Equal(expected.Gaps, actual.Gaps);
        Assert.Equal(expected.DeferredMaterials, actual.DeferredMaterials);
        Assert.Equal(expected.Suspensions, actual.Suspensions);
        Assert.Equal(expected.Notice?.At, actual.Notice?.At);
        Assert.Equal(expected.Notice?.Materials, actual.Notice?.Materials);
        var normalised = actual with
        {
            Materials = expected.Materials,
            Gaps = expected.Gaps,
            DeferredMaterials = expected.DeferredMaterials,
            Suspensions = expected.Suspensions,
            Notice = expected.Notice,
        };
        Assert.Equal(expected, normalised);
        // DateTimeOffset equality ignores the offset; the stored JSON must keep it (China time) and every tick.
        Assert.Equal(expected.UpdatedAt.Offset, actual.UpdatedAt.Offset);
        Assert.Equal(expected.UpdatedAt.Ticks, actual.UpdatedAt.Ticks);
    }

    private static CaseSummary Microseconds(CaseSummary s) => s with
    {
        SubmittedAt = s.SubmittedAt.AddTicks(-(s.SubmittedAt.Ticks % 10)),
        UpdatedAt = s.UpdatedAt.AddTicks(-(s.UpdatedAt.Ticks % 10)),
    };

    [Fact]
    public async Task A_full_life_cycle_round_trips_state_applicant_summary_and_audit_at_every_version()
    {
        var (dataSource, store, driver) = await StoreAsync("caseroundtrip");
        await using var _ = dataSource;
        var caseNo = NewCaseNo();
        var versions = await FullLifeAsync(driver, caseNo);

        var final = versions[^1];
        Assert.Equal((CaseStatus.Delivered, 11), (final.Status, final.Version));
        Assert.NotNull(final.Notice);
        Assert.Equal(2, final.Notice!.Materials.Count);
        Assert.Single(final.Suspensions);
        Assert.NotNull(final.Suspensions[0].End);
        Assert.Equal("EA123456789CN", final.Delivery!.TrackingNumber);

        var loaded = (await store.LoadAsync(caseNo.Value, None))!;
        AssertSameState(final, loaded.State);
        var applicant = Record(Zhang);
        Assert.Equal((applicant.IdKey, applicant.PhoneKey, applicant.NameMasked, applicant.IdMasked, applicant.PhoneMasked),
            (loaded.Applicant.IdKey, loaded.Applicant.PhoneKey, loaded.Applicant.NameMasked, loaded.Applicant.IdMasked, loaded.Applicant.PhoneMasked));
        Assert.Equal(Zhang, Protector.Open(loaded.Applicant)); // the sealed blob survives byte for byte
        // Exactly, to the tick: a grain compares a re-projected summary with the loaded one to decide on a refresh.
        Assert.Equal(Project(final, loaded.Applicant), loaded.Summary);
        Assert.Equal(final.UpdatedAt.Ticks, loaded.Summary.UpdatedAt.Ticks);
        Assert.Equal(TimeSpan.FromHours(8), loaded.Summary.UpdatedAt.Offset);
        // Query results come from the columns alone: microseconds, China time.
        var listed = Assert.Single(await store.QueryAsync(new CaseQuery(ApplicantIdKey: applicant.IdKey), None));
        Assert.Equal(Microseconds(loaded.Summary), listed);
        Assert.Equal(TimeSpan.FromHours(8), listed.UpdatedAt.Offset);

        var audit = await store.AuditAsync(caseNo.Value, None);
        Assert.Equal(Enumerable.Range(1, 11), audit.Select(e => e.Version));
        Assert.True(AuditChain.VerifyCase(audit).Valid);
        Assert.Equal(audit[^1].Hash, loaded.LastHash);
        var suspend = JsonSerializer.Deserialize<CaseTimelineEntry>(audit[6].Canonical, AuditChain.Json)!;
        Assert.Equal((CaseAction.Suspend, "照片不符合制卡要求，需补正"), (suspend.Action!.Value, suspend.Reason));
        Assert.Empty(await store.AuditAsync(NewCaseNo().Value, None));
        Assert.Null(await store.LoadAsync(NewCaseNo().Value, None));
    }

    [Fact]
    public async Task Every_intermediate_state_and_a_deferred_acceptance_round_trip_through_jsonb()
    {
        var (dataSource, store, driver) = await StoreAsync("casestates");
        await using var _ = dataSource;

        // Reload after each step of the long life cycle (open notice, open suspension, resume target …).
        var caseNo = NewCaseNo();
        var noPhoto = AllMaterials("rsj-001").Where(m => m.MaterialId != "photo").ToArray();
        var state = await driver.SubmitAsync("rsj-001", caseNo, Zhang, "520102", T0, materials: noPhoto);
        AssertSameState(state, (await store.LoadAsync(caseNo.Value, None))!.State);
        foreach (var (action, tweak) in new (CaseAction, Func<CaseCommand, CaseCommand>?)[]
        {
            (CaseAction.Receive, c => c with { Materials = null }), (CaseAction.NotifyMissing, null), (CaseAction.Receive, null),
            (CaseAction.Accept, null), (CaseAction.Suspend, null),
        })
        {
            state = await driver.DoAsync(caseNo.Value, action, T0.AddHours(state.Version), tweak);
            AssertSameState(state, (await store.LoadAsync(caseNo.Value, None))!.State);
        }

        Assert.Equal((CaseStatus.Suspended, CaseStatus.Accepted), (state.Status, state.ResumeTo));
        Assert.Null(state.Suspensions[0].End);

        // 容缺受理: scjg-001 accepted without the premises proof on the applicant's promise, at a window.
        var business = NewCaseNo("520302");
        var withoutProof = AllMaterials("scjg-001").Where(m => m.MaterialId != "premises-proof").ToArray();
        await driver.SubmitAsync("scjg-001", business, Li, "520302", T0, CaseChannel.Window, "520302-H001", withoutProof);
        await driver.DoAsync(business.Value, CaseAction.Receive, T0.AddMinutes(5), c => c with { Materials = null });
        var accepted = await driver.DoAsync(business.Value, CaseAction.Accept, T0.AddMinutes(10), c => c with { DeferredMaterialsPromised = true });
        Assert.Single(accepted.DeferredMaterials);
        AssertSameState(accepted, (await store.LoadAsync(business.Value, None))!.State);

        // The Orleans binary format was the fallback; STJ suffices, and the stored JSON is the readable API shape.
        await using var read = dataSource.CreateCommand("select state ->> 'status', state -> 'deferredMaterials' -> 0 ->> 'problem' from tongban.case_record where case_no = $1");
        read.Parameters.AddWithValue(business.Value);
        await using var reader = await read.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("accepted", "missing"), (reader.GetString(0), reader.GetString(1)));
    }

    [Fact]
    public async Task A_stale_version_or_stale_chain_head_returns_false_and_changes_nothing()
    {
        var (dataSource, store, driver) = await StoreAsync("caseconflict");
        await using var _ = dataSource;
        var caseNo = NewCaseNo();
        await driver.SubmitAsync("rsj-001", caseNo, Zhang, "520102", T0);
        var (stale, receive) = await driver.PrepareAsync(caseNo.Value, CaseAction.Receive, T0.AddMinutes(5));
        await driver.DoAsync(caseNo.Value, CaseAction.Withdraw, T0.AddMinutes(1));
        var before = await SnapshotAsync(dataSource);

        // Version 2 again (someone else's version 2 won), a gap (version 4 on 2), a resubmission of version 1.
        Assert.False(await driver.CommitAsync(receive, stale.Applicant, stale.LastHash));
        var skipping = receive with { State = receive.State! with { Version = 4 }, Entry = receive.Entry! with { Version = 4 } };
        Assert.False(await driver.CommitAsync(skipping, stale.Applicant, stale.LastHash));
        var (again, applicant) = CaseDriver.Submission("rsj-001", caseNo, Li, "520102", T0);
        Assert.False(await driver.CommitAsync(again, applicant, AuditChain.Genesis));

        // Right version, wrong chain head (a writer that cached an old hash): refused too.
        var current = (await store.LoadAsync(caseNo.Value, None))!;
        Assert.Equal(CaseStatus.Withdrawn, current.State.Status);
        var withdrawn = receive with { State = receive.State! with { Version = 3 }, Entry = receive.Entry! with { Version = 3 } };
        Assert.False(await driver.CommitAsync(withdrawn, stale.Applicant, stale.LastHash));

        Assert.Equal(before, await SnapshotAsync(dataSource));
    }

    [Fact]
    public async Task Wiring_errors_and_text_jsonb_cannot_hold_are_refused_before_anything_is_written()
    {
        var (dataSource, store, driver) = await StoreAsync("casewiring");
        await using var _ = dataSource;
        var caseNo = NewCaseNo();
        await driver.SubmitAsync("rsj-001", caseNo, Zhang, "520102", T0);
        var (stored, receive) = await driver.PrepareAsync(caseNo.Value, CaseAction.Receive, T0.AddMinutes(5));
        var before = await SnapshotAsync(dataSource);
        var state = receive.State!;
        var summary = Project(state, stored.Applicant);
        var hash = AuditChain.Link(stored.LastHash, AuditChain.Canonical(receive.Entry!), AuditChain.Sha256);

        await Assert.ThrowsAsync<ArgumentException>(() => store.CommitAsync(state, stored.Applicant, summary, receive.Entry!, stored.LastHash, AuditChain.Genesis, None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.CommitAsync(state, stored.Applicant, summary with { Version = 1 }, receive.Entry!, stored.LastHash, hash, None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.CommitAsync(state, stored.Applicant, summary, receive.Entry! with { Version = 3 }, stored.LastHash, hash, None));

        // jsonb refuses U+0000; the store says so in terms the caller can act on, and writes nothing.
        var (_, nul) = await driver.PrepareAsync(caseNo.Value, CaseAction.Receive, T0.AddMinutes(5), c => c with { Comment = "a\0b" });
        var nulState = nul.State! with { Gaps = [new MaterialGap("photo", MaterialProblem.Defective, "x\0y")] };
        var error = await Assert.ThrowsAsync<ArgumentException>(() => driver.CommitAsync(nul with { State = nulState }, stored.Applicant, stored.LastHash));
        Assert.Contains("U+0000", error.Message);

        Assert.Equal(before, await SnapshotAsync(dataSource));
    }

    [Fact]
    public async Task Two_concurrent_commits_of_the_same_version_exactly_one_wins()
    {
        var (dataSource, store, driver) = await StoreAsync("caserace");
        await using var _ = dataSource;
        for (var round = 0; round < 20; round++)
        {
            // Two first commits of one case number (two windows allocating the same number): one insert wins, the
            // other gets false — not a unique-violation exception.
            var caseNo = NewCaseNo();
            var (zhang, zhangRecord) = CaseDriver.Submission("rsj-001", caseNo, Zhang, "520102", T0);
            var (li, liRecord) = CaseDriver.Submission("rsj-001", caseNo, Li, "520102", T0);
            var inserts = await Race(() => driver.CommitAsync(zhang, zhangRecord, AuditChain.Genesis), () => driver.CommitAsync(li, liRecord, AuditChain.Genesis));
            Assert.Single(inserts, won => won);
            var stored = (await store.LoadAsync(caseNo.Value, None))!;
            Assert.Equal(inserts[0] ? zhangRecord.IdKey : liRecord.IdKey, stored.State.ApplicantKey);

            // Two transitions from version 1 (a clerk receives while the applicant withdraws).
            var (_, receive) = await driver.PrepareAsync(caseNo.Value, CaseAction.Receive, T0.AddMinutes(1));
            var (_, withdraw) = await driver.PrepareAsync(caseNo.Value, CaseAction.Withdraw, T0.AddMinutes(1));
            var updates = await Race(() => driver.CommitAsync(receive, stored.Applicant, stored.LastHash), () => driver.CommitAsync(withdraw, stored.Applicant, stored.LastHash));
            Assert.Single(updates, won => won);
            var after = (await store.LoadAsync(caseNo.Value, None))!;
            Assert.Equal(updates[0] ? CaseStatus.Received : CaseStatus.Withdrawn, after.State.Status);
            var audit = await store.AuditAsync(caseNo.Value, None);
            Assert.Equal(2, audit.Count);
            Assert.Equal(updates[0] ? "receive" : "withdraw", JsonDocument.Parse(audit[1].Canonical).RootElement.GetProperty("action").GetString());
        }

        Assert.True((await store.VerifyAllAsync(None)).Valid);

        static async Task<bool[]> Race(Func<Task<bool>> a, Func<Task<bool>> b)
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var first = Task.Run(async () => { await start.Task; return await a(); });
            var second = Task.Run(async () => { await start.Task; return await b(); });
            start.SetResult();
            return await Task.WhenAll(first, second);
        }
    }

    [Fact]
    public async Task The_audit_verifies_and_an_edited_reason_is_reported_at_its_case_and_version()
    {
        var (dataSource, store, driver) = await StoreAsync("casetamperedit");
        await using var _ = dataSource;
        var cases = new List<CaseNumber>();
        for (var i = 0; i < 3; i++)
        {
            cases.Add(NewCaseNo());
            await FullLifeAsync(driver, cases[^1]);
        }

        await SealAllAsync(store);
        var valid = await store.VerifyAllAsync(None);
        Assert.Equal(new AuditVerification(true, 33, null), valid);

        // Someone with database access softens the suspension reason (version 7) of the second case.
        // (Whatever the canonical encoder does with Chinese, prefixing ASCII to the reason changes it.)
        Assert.Equal(1, await ExecuteAsync(dataSource, """
            update tongban.case_audit set canonical = replace(canonical, '"reason":"', '"reason":"NOT ')
             where case_no = $1 and version = 7 and canonical like '%"reason":"%'
            """, cases[1].Value));
        Assert.Equal($"{cases[1].Value}#7", (await store.VerifyAllAsync(None)).FirstBrokenAt);

        // Re-hashing that entry to hide the edit moves the break to the next link of the case chain …
        var edited = (await store.AuditAsync(cases[1].Value, None))[6];
        await ExecuteAsync(dataSource, "update tongban.case_audit set hash = $2 where case_no = $1 and version = 7",
            cases[1].Value, AuditChain.Link(edited.PreviousHash, edited.Canonical, AuditChain.Sha256));
        Assert.Equal($"{cases[1].Value}#8", (await store.VerifyAllAsync(None)).FirstBrokenAt);

        // … and re-hashing the rest of the case (and its row) too leaves the seal of that entry broken.
        var previous = AuditChain.Link(edited.PreviousHash, edited.Canonical, AuditChain.Sha256);
        foreach (var entry in (await store.AuditAsync(cases[1].Value, None)).Skip(7))
        {
            var hash = AuditChain.Link(previous, entry.Canonical, AuditChain.Sha256);
            await ExecuteAsync(dataSource, "update tongban.case_audit set previous_hash = $2, hash = $3 where case_no = $1 and version = $4",
                cases[1].Value, previous, hash, entry.Version);
            previous = hash;
        }

        await ExecuteAsync(dataSource, "update tongban.case_record set last_hash = $2 where case_no = $1", cases[1].Value, previous);
        var sealBroken = await store.VerifyAllAsync(None);
        Assert.False(sealBroken.Valid);
        Assert.Equal(await ScalarAsync<long>(dataSource, "select id from tongban.case_audit where case_no = $1 and version = 7", cases[1].Value),
            long.Parse(sealBroken.FirstBrokenAt!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_case_chain_moving_from_SHA256_to_SM3_verifies_and_an_edit_of_either_kind_is_found()
    {
        var (dataSource, store, driver) = await StoreAsync("casemixedchain");
        await using var _ = dataSource;
        var before = NewCaseNo();
        await FullLifeAsync(driver, before); // 11 SHA-256 entries, as stored by the code of before
        var mixed = NewCaseNo();
        var at = T0;
        await driver.SubmitAsync("rsj-001", mixed, Zhang, "520102", at);
        await driver.DoAsync(mixed.Value, CaseAction.Receive, at += TimeSpan.FromMinutes(20));
        driver.ChainHash = AuditChain.Sm3; // the suite changed: new links are SM3
        await driver.DoAsync(mixed.Value, CaseAction.Accept, at += TimeSpan.FromMinutes(3));
        await driver.DoAsync(mixed.Value, CaseAction.StartReview, at += TimeSpan.FromHours(1));
        await driver.DoAsync(mixed.Value, CaseAction.Approve, at += TimeSpan.FromHours(3));
        await FullLifeAsync(driver, NewCaseNo()); // 11 SM3 entries

        var chain = await store.AuditAsync(mixed.Value, None);
        Assert.Equal([32, 32, 33, 33, 33], chain.Select(e => e.Hash.Length));
        Assert.Equal([AuditChain.Sha256, AuditChain.Sm3], AuditChain.VerifyCase(chain).Algorithms);
        await SealAllAsync(store);
        Assert.Equal(new AuditVerification(true, 27, null), await store.VerifyAllAsync(None));

        foreach (var version in new[] { 2, 4 })
        {
            var original = chain[version - 1].Canonical;
            await ExecuteAsync(dataSource, "update tongban.case_audit set canonical = $2 where case_no = $1 and version = $3",
                mixed.Value, original.Replace("\"version\":", "\"version\": ", StringComparison.Ordinal), version);
            Assert.Equal($"{mixed.Value}#{version}", (await store.VerifyAllAsync(None)).FirstBrokenAt);
            await ExecuteAsync(dataSource, "update tongban.case_audit set canonical = $2 where case_no = $1 and version = $3", mixed.Value, original, version);
        }

        Assert.True((await store.VerifyAllAsync(None)).Valid);
    }

    [Fact]
    public async Task Deleted_entries_and_reordered_seals_are_detected()
    {
        var (dataSource, store, driver) = await StoreAsync("casetamperdelete");
        await using var _ = dataSource;
        var middle = NewCaseNo();
        var tail = NewCaseNo();
        var sealedCase = NewCaseNo();
        var other = NewCaseNo();
        await FullLifeAsync(driver, middle);
        await FullLifeAsync(driver, tail);
        await FullLifeAsync(driver, sealedCase);
        await FullLifeAsync(driver, other);
        await SealAllAsync(store);
        Assert.True((await store.VerifyAllAsync(None)).Valid);

        // Seals: swap two seals (the order of the global chain) and put them back.
        var (firstId, secondId) = (await ScalarAsync<long>(dataSource, "select min(entry_id) + 3 from tongban.case_audit_seal"),
            await ScalarAsync<long>(dataSource, "select min(entry_id) + 4 from tongban.case_audit_seal"));
        const string Swap = """
            update tongban.case_audit_seal s set seal = o.seal
              from tongban.case_audit_seal o
             where (s.entry_id, o.entry_id) in (($1, $2), ($2, $1))
            """;
        await ExecuteAsync(dataSource, Swap, firstId, secondId);
        Assert.Equal(firstId.ToString(System.Globalization.CultureInfo.InvariantCulture), (await store.VerifyAllAsync(None)).FirstBrokenAt);
        await ExecuteAsync(dataSource, Swap, firstId, secondId);
        Assert.True((await store.VerifyAllAsync(None)).Valid);

        // A sealed entry cannot simply be deleted (foreign key); with the constraint bypassed, the global chain
        // reports the seal whose entry is gone even if the case's row and chain were made consistent again.
        var lastOfSealed = await ScalarAsync<long>(dataSource, "select id from tongban.case_audit where case_no = $1 and version = 11", sealedCase.Value);
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(dataSource, "delete from tongban.case_audit where id = $1", lastOfSealed));
        await using (var bypass = await dataSource.OpenConnectionAsync())
        await using (var transaction = await bypass.BeginTransactionAsync())
        {
            foreach (var sql in new[]
            {
                "set local session_replication_role = replica",
                "delete from tongban.case_audit where case_no = $1 and version = 11",
                "update tongban.case_record r set version = 10, last_hash = a.hash from tongban.case_audit a where r.case_no = $1 and a.case_no = $1 and a.version = 10",
            })
            {
                await using var command = new NpgsqlCommand(sql, bypass, transaction);
                if (sql.Contains("$1", StringComparison.Ordinal))
                {
                    command.Parameters.AddWithValue(sealedCase.Value);
                }

                Assert.Equal(sql.StartsWith("set", StringComparison.Ordinal) ? -1 : 1, await command.ExecuteNonQueryAsync());
            }

            await transaction.CommitAsync();
        }

        Assert.Equal(lastOfSealed.ToString(System.Globalization.CultureInfo.InvariantCulture), (await store.VerifyAllAsync(None)).FirstBrokenAt);

        // Unsealed entries: a deleted middle entry breaks its case chain at the next version; a deleted last
        // entry disagrees with the case row (which says version 11).
        await ExecuteAsync(dataSource, "delete from tongban.case_audit_seal where entry_id in (select id from tongban.case_audit where case_no in ($1, $2))", middle.Value, tail.Value);
        await ExecuteAsync(dataSource, "delete from tongban.case_audit where case_no = $1 and version = 11", tail.Value);
        await ExecuteAsync(dataSource, "delete from tongban.case_audit where case_no = $1 and version = 5", middle.Value);
        var report = await store.VerifyAllAsync(None);
        Assert.Equal((false, $"{middle.Value}#6"), (report.Valid, report.FirstBrokenAt));
        await ExecuteAsync(dataSource, "delete from tongban.case_audit where case_no = $1", middle.Value);
        await ExecuteAsync(dataSource, "delete from tongban.case_record where case_no = $1", middle.Value);
        Assert.Equal($"{tail.Value}#11", (await store.VerifyAllAsync(None)).FirstBrokenAt);
    }

    [Fact]
    public async Task Sealing_with_eight_concurrent_committers_leaves_nothing_unsealed_and_the_global_chain_valid()
    {
        var (dataSource, store, driver) = await StoreAsync("caseseal");
        await using var _ = dataSource;
        var otherSilo = new PostgresCaseStore(dataSource); // a second sealer: the advisory lock lets one work at a time
        using var writing = new CancellationTokenSource();
        var sealedCounts = new List<int>();
        async Task SealWhileWriting(PostgresCaseStore sealer)
        {
            while (!writing.IsCancellationRequested)
            {
                var n = await sealer.SealAsync(25, None);
                lock (sealedCounts)
                {
                    sealedCounts.Add(n);
                }

                await Task.Delay(3);
            }
        }

        var sealers = new[] { Task.Run(() => SealWhileWriting(store)), Task.Run(() => SealWhileWriting(otherSilo)) };
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 12; i++)
            {
                var caseNo = NewCaseNo();
                await driver.SubmitAsync("rsj-001", caseNo, w % 2 == 0 ? Zhang : Li, "520102", T0);
                foreach (var action in new[] { CaseAction.Receive, CaseAction.Accept, CaseAction.StartReview, CaseAction.Approve })
                {
                    await driver.DoAsync(caseNo.Value, action, T0.AddMinutes(i));
                }
            }
        })).ToArray();
        await Task.WhenAll(writers);
        await writing.CancelAsync();
        await Task.WhenAll(sealers);
        Assert.True(sealedCounts.Sum() > 0, "the sealers ran while the committers wrote");

        await SealAllAsync(store);
        Assert.Equal(0L, await ScalarAsync<long>(dataSource, "select count(*) from tongban.case_audit a where not exists (select 1 from tongban.case_audit_seal s where s.entry_id = a.id)"));
        Assert.Equal(8L * 12 * 5, await ScalarAsync<long>(dataSource, "select count(*) from tongban.case_audit_seal"));
        Assert.Equal(new AuditVerification(true, 8 * 12 * 5, null), await store.VerifyAllAsync(None));
    }

    [Fact]
    public async Task Sealing_waits_for_a_commit_that_took_a_lower_id_and_passes_ids_of_rolled_back_commits()
    {
        var (dataSource, store, driver) = await StoreAsync("casesealgap");
        await using var _ = dataSource;
        var first = NewCaseNo();
        await driver.SubmitAsync("rsj-001", first, Zhang, "520102", T0);
        Assert.Equal(1, await store.SealAsync(100, None));

        // A commit takes id 2 and stays open; commits with ids 3 and 4 finish before it.
        var slow = NewCaseNo();
        await using var slowCommit = new HeldTransaction();
        Assert.True(await slowCommit.RunAsync(() => Commit(driver, slow)));

        // While it is the newest transaction (none newer has completed, so it is not even in the snapshot's list of
        // running ones), and again after newer commits have finished: nothing may be sealed past id 1.
        Assert.Equal(0, await store.SealAsync(100, None));
        var later = new[] { NewCaseNo(), NewCaseNo() };
        foreach (var caseNo in later)
        {
            await driver.SubmitAsync("rsj-001", caseNo, Zhang, "520102", T0);
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, await store.SealAsync(100, None));
        }

        await slowCommit.CommitAsync();
        Assert.Equal(3, await SealAllAsync(store));
        Assert.Equal([first.Value, slow.Value, later[0].Value, later[1].Value], await SealedCaseOrderAsync(dataSource));

        // A commit that rolls back leaves a permanent hole in the ids; the sealer passes it.
        var rolledBack = NewCaseNo();
        await using (var lost = new HeldTransaction())
        {
            Assert.True(await lost.RunAsync(() => Commit(driver, rolledBack)));
            await driver.SubmitAsync("rsj-001", NewCaseNo(), Zhang, "520102", T0);
            await lost.RollbackAsync();
        }

        Assert.Equal(1, await SealAllAsync(store));
        Assert.Null(await store.LoadAsync(rolledBack.Value, None));
        Assert.Equal(2L, await ScalarAsync<long>(dataSource, "select max(id) - max(id) filter (where id < (select max(id) from tongban.case_audit)) from tongban.case_audit"));
        Assert.Equal(new AuditVerification(true, 5, null), await store.VerifyAllAsync(None));
    }

    [Fact]
    public async Task Sealing_waits_for_the_newest_transaction_when_an_older_one_took_a_higher_id()
    {
        var (dataSource, store, driver) = await StoreAsync("casesealorder");
        await using var _ = dataSource;

        // C gets its transaction id first; B gets a newer one and takes audit id 1 and stays open; C then takes
        // id 2 and commits. B is newer than every completed transaction, so it is not in the snapshot's list of
        // running transactions and is above its xmax: a proof based on the snapshot alone would seal id 2 and
        // lose id 1 for good.
        await using var older = new HeldTransaction();
        await older.RunAsync(async () =>
        {
            await using var xid = dataSource.CreateCommand("select pg_current_xact_id()");
            await xid.ExecuteScalarAsync();
            return true;
        });
        var newer = NewCaseNo();
        await using var newerCommit = new HeldTransaction();
        Assert.True(await newerCommit.RunAsync(() => Commit(driver, newer)));
        var olderCase = NewCaseNo();
        Assert.True(await older.RunAsync(() => Commit(driver, olderCase)));
        await older.CommitAsync();

        Assert.Equal(2L, await ScalarAsync<long>(dataSource, "select id from tongban.case_audit where case_no = $1", olderCase.Value));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, await store.SealAsync(100, None));
        }

        await newerCommit.CommitAsync();
        Assert.Equal(2, await SealAllAsync(store));
        Assert.Equal([newer.Value, olderCase.Value], await SealedCaseOrderAsync(dataSource));
        Assert.Equal(new AuditVerification(true, 2, null), await store.VerifyAllAsync(None));
    }

    private static Task<bool> Commit(CaseDriver driver, CaseNumber caseNo)
    {
        var (submit, applicant) = CaseDriver.Submission("rsj-001", caseNo, Li, "520102", T0);
        return driver.CommitAsync(submit, applicant, AuditChain.Genesis);
    }

    [Fact]
    public async Task Only_one_sealer_works_at_a_time_cluster_wide()
    {
        var (dataSource, store, driver) = await StoreAsync("caseseallock");
        await using var _ = dataSource;
        await driver.SubmitAsync("rsj-001", NewCaseNo(), Zhang, "520102", T0);
        await using (var other = await dataSource.OpenConnectionAsync())
        {
            await using var take = new NpgsqlCommand($"select pg_advisory_lock({PostgresAuditSealing.SealLockKey})", other);
            await take.ExecuteNonQueryAsync();
            Assert.Equal(0, await store.SealAsync(100, None));
            await using var release = new NpgsqlCommand($"select pg_advisory_unlock({PostgresAuditSealing.SealLockKey})", other);
            await release.ExecuteNonQueryAsync();
        }

        Assert.Equal(1, await store.SealAsync(100, None));
    }

    [Fact]
    public async Task Projection_queries_answer_like_the_in_memory_store()
    {
        var (dataSource, store, _) = await StoreAsync("casequery");
        await using var __ = dataSource;
        var memory = new InMemoryCaseStore();
        var numbers = await BuildQueryDataAsync([new CaseDriver(store), new CaseDriver(memory)]);

        var zhang = Record(Zhang);
        var li = Record(Li);
        var rsj = Item("rsj-001").DepartmentCode;
        CaseQuery[] queries =
        [
            new(),
            new(Limit: 3),
            new(ApplicantIdKey: zhang.IdKey),
            new(ApplicantPhoneKey: li.PhoneKey),
            new(ApplicantIdKey: zhang.IdKey, OpenOnly: true),
            new(HallCode: "520102-H001"),
            new(HallCode: "520302-H001", Status: CaseStatus.Accepted),
            new(DepartmentCode: rsj, RegionCode: "520100"),
            new(DepartmentCode: rsj, RegionCode: "520000"),
            new(DepartmentCode: rsj, RegionCode: "520102"),
            new(DepartmentCode: rsj, RegionCode: "520300", OpenOnly: true),
            new(RegionCode: "520100", OverdueOnly: true),
            new(OverdueOnly: true),
            new(OpenOnly: true),
            new(Status: CaseStatus.Delivered),
            new(Status: CaseStatus.Withdrawn, ApplicantIdKey: li.IdKey),
            new(RegionCode: "520199"),
            new(RegionCode: "110000"),
            new(ApplicantIdKey: "nobody"),
            new(Limit: 0),

            // A person's candidate keys (HMAC-SM3 and HMAC-SHA256 after the switch): = any(array) in SQL.
            new(ApplicantIdKeys: ["sm3:" + new string('0', 64), zhang.IdKey]),
            new(ApplicantIdKeys: [zhang.IdKey, li.IdKey], OpenOnly: true),
            new(ApplicantPhoneKeys: [li.PhoneKey, "nobody"]),
            new(ApplicantIdKeys: ["nobody"]),
            new(ApplicantIdKeys: []),
        ];
        foreach (var query in queries)
        {
            var expected = await memory.QueryAsync(query, None);
            Assert.Equal(expected, await store.QueryAsync(query, None));
        }

        // And by hand, so the comparison is not of two implementations that share a mistake.
        Assert.Equal(
            (await store.QueryAsync(new CaseQuery(ApplicantIdKey: zhang.IdKey), None)).Count + (await store.QueryAsync(new CaseQuery(ApplicantIdKey: li.IdKey), None)).Count,
            (await store.QueryAsync(new CaseQuery(ApplicantIdKeys: [zhang.IdKey, li.IdKey]), None)).Count);
        Assert.NotEmpty(await store.QueryAsync(new CaseQuery(ApplicantIdKeys: [zhang.IdKey]), None));
        Assert.Equal(numbers["guiyang-overdue"], Assert.Single(await store.QueryAsync(new CaseQuery(OverdueOnly: true), None)).CaseNo);
        var guiyangRsj = await store.QueryAsync(new CaseQuery(DepartmentCode: rsj, RegionCode: "520100"), None);
        Assert.Equal(6, guiyangRsj.Count);
        Assert.All(guiyangRsj, s => Assert.StartsWith("5201", s.RegionCode, StringComparison.Ordinal));
        Assert.Equal(guiyangRsj.OrderByDescending(s => s.SubmittedAt).Select(s => s.CaseNo), guiyangRsj.Select(s => s.CaseNo));
        Assert.DoesNotContain(await store.QueryAsync(new CaseQuery(OpenOnly: true), None), s => s.Status is CaseStatus.Delivered or CaseStatus.Withdrawn or CaseStatus.NotAccepted);
    }

    [Fact]
    public async Task One_visit_figures_count_delivered_cases_per_item_and_region()
    {
        var (dataSource, store, _) = await StoreAsync("caseonevisit");
        await using var __ = dataSource;
        var memory = new InMemoryCaseStore();
        await BuildQueryDataAsync([new CaseDriver(store), new CaseDriver(memory)]);

        foreach (var (item, region) in new (string?, string?)[] { (null, null), ("rsj-001", null), (null, "520100"), ("rsj-001", "520102"), ("mz-003", null), (null, "520000"), (null, "bad") })
        {
            var expected = await memory.OneVisitAsync(item, region, None);
            var actual = await store.OneVisitAsync(item, region, None);
            Assert.Equal(expected.Count, actual.Count);
            foreach (var (e, a) in expected.Zip(actual))
            {
                Assert.Equal(e with { AverageWorkingDays = null }, a with { AverageWorkingDays = null });
                Assert.Equal(e.AverageWorkingDays!.Value, a.AverageWorkingDays!.Value, 9);
            }
        }

        // 520102 rsj-001: three delivered — online + pick-up (2 visits), window + EMS (1), online + EMS (1).
        var figure = Assert.Single(await store.OneVisitAsync("rsj-001", "520102", None));
        Assert.Equal(("rsj-001", "520102", 3, 2), (figure.ItemCode, figure.RegionCode, figure.Finished, figure.AtMostOneVisit));
        Assert.NotNull(figure.AverageWorkingDays);
    }

    [Fact]
    public async Task On_time_and_cross_region_figures_answer_like_the_in_memory_store()
    {
        var (dataSource, store, _) = await StoreAsync("casefigures");
        await using var __ = dataSource;
        var memory = new InMemoryCaseStore();
        CaseDriver[] drivers = [new CaseDriver(store), new CaseDriver(memory)];
        await BuildQueryDataAsync(drivers);

        // 异地受理: two 六盘水 (520201) and one 遵义 (520302) applicant received in 南明区 (520102), one 南明区 applicant in 遵义;
        // one of them finished two months after acceptance (late), one finished in time.
        async Task<string> Cross(string county, string hall, bool finish, int finishAfterDays)
        {
            var caseNo = NewCaseNo(county);
            foreach (var driver in drivers)
            {
                await driver.SubmitAsync("rsj-001", caseNo, Zhang, county, T0, CaseChannel.Window, hall);
                var t = T0;
                foreach (var action in new[] { CaseAction.Receive, CaseAction.Accept, CaseAction.StartReview, CaseAction.Approve })
                {
                    t = t.AddMinutes(1);
                    await driver.DoAsync(caseNo.Value, action, t);
                }

                if (finish)
                {
                    await driver.DoAsync(caseNo.Value, CaseAction.Complete, T0.AddDays(finishAfterDays));
                }
            }

            return caseNo.Value;
        }

        await Cross("520201", "520102-H001", finish: true, finishAfterDays: 60);
        await Cross("520201", "520102-H001", finish: true, finishAfterDays: 1);
        await Cross("520302", "520102-H001", finish: false, finishAfterDays: 0);
        await Cross("520102", "520302-H001", finish: false, finishAfterDays: 0);

        var onTime = await store.OnTimeAsync(None);
        Assert.Equal(await memory.OnTimeAsync(None), onTime);
        var flows = await store.FlowsAsync(None);
        Assert.Equal(await memory.FlowsAsync(None), flows);

        // By hand: 520102 finished five (all in time, the query data), 520201 two (one late); nothing unfinished counts.
        Assert.Equal(new OnTimeFigure("520201", 2, 1), Assert.Single(onTime, f => f.RegionCode == "520201"));
        Assert.Equal(new OnTimeFigure("520102", 5, 5), Assert.Single(onTime, f => f.RegionCode == "520102"));
        Assert.DoesNotContain(onTime, f => f.RegionCode == "520302");
        Assert.Equal(
            [new FlowFigure("520102", "520201", 2), new FlowFigure("520102", "520302", 1), new FlowFigure("520302", "520102", 1)],
            flows);
    }

    [Fact]
    public async Task Rebuilding_the_projection_restores_a_corrupted_row_and_is_idempotent()
    {
        var (dataSource, store, driver) = await StoreAsync("caserebuild");
        await using var _ = dataSource;
        var numbers = await BuildQueryDataAsync([driver]);
        var victim = numbers["guiyang-overdue"];
        var before = await store.QueryAsync(new CaseQuery(Limit: 1000), None);

        await ExecuteAsync(dataSource, """
            update tongban.case_record
               set status = 'withdrawn', stage = 'none', applicant_id_key = 'x', region_code = '520302', visits = 9, due_date = null
             where case_no = $1
            """, victim);
        Assert.Empty(await store.QueryAsync(new CaseQuery(OverdueOnly: true), None));

        var total = before.Count;
        Assert.Equal(total, await store.RebuildProjectionAsync(Project, None));
        Assert.Equal(before, await store.QueryAsync(new CaseQuery(Limit: 1000), None));
        Assert.Equal(victim, Assert.Single(await store.QueryAsync(new CaseQuery(OverdueOnly: true), None)).CaseNo);
        var rows = await SnapshotAsync(dataSource);
        Assert.Equal(total, await store.RebuildProjectionAsync(Project, None));
        Assert.Equal(rows, await SnapshotAsync(dataSource));

        // A projection change (here: everything judged a day later) reaches every row, in batches.
        var changed = await store.RebuildProjectionAsync((s, a) => Project(s, a) with { Stage = "warning" }, None);
        Assert.Equal(total, changed);
        Assert.All(await store.QueryAsync(new CaseQuery(Limit: 1000), None), s => Assert.Equal("warning", s.Stage));
    }

    [Fact]
    public async Task Rebuilding_walks_more_rows_than_one_batch()
    {
        var (dataSource, store, _) = await StoreAsync("caserebuildbatch");
        await using var __ = dataSource;
        var count = PostgresCaseQueries.RebuildBatchSize * 2 + 7;
        var driver = new CaseDriver(store);
        var all = Enumerable.Range(0, count).Select(_ => NewCaseNo()).ToArray();
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (caseNo, _) => await driver.SubmitAsync("rsj-001", caseNo, Zhang, "520102", T0));
        await ExecuteAsync(dataSource, "update tongban.case_record set stage = 'bogus'");
        Assert.Equal(count, await store.RebuildProjectionAsync(Project, None));
        Assert.Equal(0L, await ScalarAsync<long>(dataSource, "select count(*) from tongban.case_record where stage = 'bogus'"));
    }

    [Fact]
    public async Task Updating_the_summary_refreshes_the_projection_but_never_from_an_older_version()
    {
        var (dataSource, store, driver) = await StoreAsync("casesummary");
        await using var _ = dataSource;
        var caseNo = NewCaseNo();
        await driver.SubmitAsync("rsj-001", caseNo, Zhang, "520102", T0);
        var received = await driver.DoAsync(caseNo.Value, CaseAction.Receive, T0.AddMinutes(5));
        var accepted = await driver.DoAsync(caseNo.Value, CaseAction.Accept, T0.AddMinutes(6));
        var applicant = Record(Zhang);

        var overdue = Project(accepted, applicant) with { Stage = "overdue" };
        await store.UpdateSummaryAsync(overdue, None);
        Assert.Equal(overdue, (await store.LoadAsync(caseNo.Value, None))!.Summary);

        // A refresh computed from version 2 arrives after version 3 was committed: ignored.
        await store.UpdateSummaryAsync(Project(received, applicant) with { Stage = "warning" }, None);
        Assert.Equal(overdue, (await store.LoadAsync(caseNo.Value, None))!.Summary);
        Assert.Equal(3, (await store.AuditAsync(caseNo.Value, None)).Count); // no audit entry for a projection refresh
    }

    [Fact]
    public async Task No_column_holds_raw_personal_data()
    {
        var (dataSource, _, driver) = await StoreAsync("casepii");
        await using var __ = dataSource;
        await FullLifeAsync(driver, NewCaseNo(), Li);
        await driver.SubmitAsync("rsj-001", NewCaseNo(), Zhang, "520102", T0, CaseChannel.Window, "520102-H001");
        await SealAllAsync(driver.Store);

        await using var dump = dataSource.CreateCommand("""
            select string_agg(t::text, E'\n') from (
                select r::text from tongban.case_record r
                union all select a::text from tongban.case_audit a
                union all select s::text from tongban.case_audit_seal s) t
            """);
        var text = (string)(await dump.ExecuteScalarAsync())!;
        Assert.Contains(Record(Li).IdKey, text, StringComparison.Ordinal);
        foreach (var raw in new[] { Li.Name, Li.IdNumber, "13985022222", Zhang.Name, Zhang.IdNumber, Zhang.Phone })
        {
            Assert.DoesNotContain(raw, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void PostgreSQL_mode_registers_the_case_store_and_the_sealer()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        PostgresMode.AddServices(services, PostgresSettings.FromConnectionString("Host=127.0.0.1;Username=tongban;Database=tongban", "test"));
        Assert.Equal(typeof(PostgresCaseStore), Assert.Single(services, d => d.ServiceType == typeof(ICaseStore)).ImplementationType);
        Assert.Single(services, d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService) && d.ImplementationType == typeof(AuditSealer));
    }

    [Fact]
    public async Task The_sealer_seals_every_period_and_survives_failures()
    {
        var store = new FlakySealStore();
        using var sealer = new AuditSealer(store, NullLogger<AuditSealer>.Instance, TimeSpan.FromMilliseconds(20));
        await sealer.StartAsync(None);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (store.Calls < 8 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await sealer.StopAsync(None);
        Assert.True(store.Calls >= 8, $"only {store.Calls} calls");
        Assert.True(store.Failures >= 2, "failures were injected and survived");
        // A full batch is followed at once by another call (draining a backlog within one period).
        Assert.Contains(store.Log, w => w == AuditSealer.BatchSize);
        Assert.Equal(2 * AuditSealer.BatchSize + 3 * 100, store.Log.Sum());
    }

    /// <summary>The four case numbers worth naming; the rest are just data.</summary>
    private static async Task<Dictionary<string, string>> BuildQueryDataAsync(IReadOnlyList<CaseDriver> drivers)
    {
        var names = new Dictionary<string, string>();
        var day = 0;
        async Task<CaseNumber> Case(string item, ApplicantDetails who, string county, CaseChannel channel, string? hall, params (CaseAction Action, Func<CaseCommand, CaseCommand>? Tweak)[] steps)
        {
            var caseNo = NewCaseNo(county);
            var at = T0.AddMinutes(day++ * 7); // distinct submission times: newest-first order is total
            foreach (var driver in drivers)
            {
                await driver.SubmitAsync(item, caseNo, who, county, at, channel, hall);
                var t = at;
                foreach (var (action, tweak) in steps)
                {
                    t = t.AddMinutes(1);
                    await driver.DoAsync(caseNo.Value, action, t, tweak);
                }
            }

            return caseNo;
        }

        (CaseAction, Func<CaseCommand, CaseCommand>?) S(CaseAction action, Func<CaseCommand, CaseCommand>? tweak = null) => (action, tweak);
        var ems = S(CaseAction.Deliver, c => c with { DeliveryMethod = DeliveryMethod.Ems, TrackingNumber = "1234567890123" });
        var done = new[] { S(CaseAction.Receive), S(CaseAction.Accept), S(CaseAction.StartReview), S(CaseAction.Approve), S(CaseAction.Complete) };

        await Case("rsj-001", Zhang, "520102", CaseChannel.Online, null, [.. done, S(CaseAction.Deliver)]);
        await Case("rsj-001", Zhang, "520102", CaseChannel.Window, "520102-H001", [.. done, ems]);
        await Case("rsj-001", Li, "520102", CaseChannel.Online, null, [.. done, ems]);
        names["guiyang-overdue"] = (await Case("rsj-001", Li, "520103", CaseChannel.Window, "520103-H001", S(CaseAction.Receive), S(CaseAction.Accept))).Value;
        await Case("rsj-001", Zhang, "520103", CaseChannel.Online, null, S(CaseAction.Withdraw));
        await Case("rsj-001", Li, "520302", CaseChannel.Window, "520302-H001", S(CaseAction.Receive), S(CaseAction.Accept), S(CaseAction.Suspend));
        await Case("rsj-001", Li, "520302", CaseChannel.Window, "520302-H001", S(CaseAction.Receive), S(CaseAction.Reject));
        await Case("rsj-001", Li, "520302", CaseChannel.Online, null, S(CaseAction.Withdraw));
        await Case("mz-003", Zhang, "520102", CaseChannel.Window, "520102-H001", [.. done, S(CaseAction.Deliver)]);
        await Case("mz-003", Li, "520302", CaseChannel.Window, "520302-H001", S(CaseAction.Receive));
        await Case("sw-001", Zhang, "520102", CaseChannel.Online, null, [.. done, ems]);
        await Case("sw-001", Li, "520102", CaseChannel.Window, "520102-H001");
        await Case("rsj-001", Zhang, "520102", CaseChannel.Online, null, S(CaseAction.Receive));
        return names;
    }

    private static async Task<int> SealAllAsync(ICaseStore store)
    {
        var total = 0;
        for (var idle = 0; idle < 3;)
        {
            var n = await store.SealAsync(1000, None);
            total += n;
            idle = n == 0 ? idle + 1 : 0;
        }

        return total;
    }

    private static async Task<string[]> SealedCaseOrderAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            "select a.case_no from tongban.case_audit_seal s join tongban.case_audit a on a.id = s.entry_id order by s.entry_id");
        await using var reader = await command.ExecuteReaderAsync();
        var order = new List<string>();
        while (await reader.ReadAsync())
        {
            order.Add(reader.GetString(0));
        }

        return [.. order];
    }

    /// <summary>Every row of the three tables, as text, in a stable order: "changed nothing" compares these.</summary>
    private static Task<string> SnapshotAsync(NpgsqlDataSource dataSource) => ScalarAsync<string>(dataSource, """
        select coalesce((select string_agg(r::text, E'\n' order by case_no) from tongban.case_record r), '') || E'\n--\n' ||
               coalesce((select string_agg(a::text, E'\n' order by id) from tongban.case_audit a), '') || E'\n--\n' ||
               coalesce((select string_agg(s::text, E'\n' order by entry_id) from tongban.case_audit_seal s), '')
        """);

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.AddWithValue(p);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<int> ExecuteAsync(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.AddWithValue(p);
        }

        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// A database transaction held open across steps: each step runs inside one ambient TransactionScope (Npgsql
    /// enlists every connection opened in it, and reuses one physical connection), until committed or rolled back.
    /// </summary>
    private sealed class HeldTransaction : IAsyncDisposable
    {
        private readonly Channel<(Func<Task<bool>> Step, TaskCompletionSource<bool> Done)> steps = Channel.CreateUnbounded<(Func<Task<bool>>, TaskCompletionSource<bool>)>();
        private readonly Task loop;
        private bool complete;

        public HeldTransaction() => loop = Task.Run(async () =>
        {
            using var scope = new TransactionScope(TransactionScopeOption.RequiresNew, TransactionScopeAsyncFlowOption.Enabled);
            await foreach (var (step, done) in steps.Reader.ReadAllAsync())
            {
                try
                {
                    done.SetResult(await step());
                }
                catch (Exception e)
                {
                    done.SetException(e);
                }
            }

            if (complete)
            {
                scope.Complete();
            }
        });

        public Task<bool> RunAsync(Func<Task<bool>> step)
        {
            var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Assert.True(steps.Writer.TryWrite((step, done)));
            return done.Task;
        }

        public Task CommitAsync()
        {
            complete = true;
            steps.Writer.TryComplete();
            return loop;
        }

        public Task RollbackAsync()
        {
            steps.Writer.TryComplete();
            return loop;
        }

        public async ValueTask DisposeAsync() => await RollbackAsync();
    }

    /// <summary>SealAsync only: full batches twice, then failures, then short batches; everything else is not for the sealer.</summary>
    private sealed class FlakySealStore : ICaseStore
    {
        private int calls;

        public int Calls => Volatile.Read(ref calls);

        public int Failures { get; private set; }

        public List<int> Log { get; } = [];

        public Task<int> SealAsync(int max, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref calls);
            if (call is 3 or 4)
            {
                Failures++;
                throw new NpgsqlException("connection refused");
            }

            var n = call <= 2 ? max : call <= 7 ? 100 : 0;
            Log.Add(n);
            return Task.FromResult(n);
        }

        public Task<StoredCase?> LoadAsync(string caseNo, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> CommitAsync(CaseState state, ApplicantRecord applicant, CaseSummary summary, CaseTimelineEntry entry, byte[] previousHash, byte[] hash, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task UpdateSummaryAsync(CaseSummary summary, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<StoredAuditEntry>> AuditAsync(string caseNo, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AuditVerification> VerifyAllAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<CaseSummary>> QueryAsync(CaseQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<OneVisitFigure>> OneVisitAsync(string? itemCode, string? regionCode, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<OnTimeFigure>> OnTimeAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<FlowFigure>> FlowsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<int> RebuildProjectionAsync(Func<CaseState, ApplicantRecord, CaseSummary> project, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
