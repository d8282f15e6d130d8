using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.Cases;
using TongBan.Silo.Postgres;
using static TongBan.Api.Tests.Postgres.CaseData;

namespace TongBan.Api.Tests.Postgres;

/// <summary>The grant books' audit streams in PostgreSQL: appended next to case entries, sealed into the global chain, verified.</summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AuditStreamStoreTests(PostgresServer server)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static StoredAuditEntry Entry(int version, byte[] previous, string text)
    {
        var canonical = $$"""{"stream":"grants:520102-H001","version":{{version}},"operation":"{{text}}"}""";
        return new StoredAuditEntry(version, canonical, previous, AuditChain.Link(previous, canonical, AuditChain.Sha256));
    }

    [Fact]
    public async Task Streams_append_on_their_head_only_are_sealed_and_verify_and_tampering_is_found()
    {
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("audit_streams"));
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(None);
        var store = new PostgresCaseStore(dataSource);
        const string stream = "grants:520102-H001";

        // A case too, so stream entries interleave with case entries in the one log.
        await new CaseDriver(store).SubmitAsync("rsj-001", CaseNumber.Create("520102", new DateOnly(2026, 3, 2), 1), Zhang, "520102", T0);

        var first = Entry(1, AuditChain.Genesis, "grant");
        Assert.True(await store.AppendStreamAsync(stream, first, None));
        Assert.False(await store.AppendStreamAsync(stream, first, None));                                  // same version again
        Assert.False(await store.AppendStreamAsync(stream, Entry(2, AuditChain.Genesis, "revoke"), None)); // stale head hash
        Assert.False(await store.AppendStreamAsync(stream, Entry(3, first.Hash, "revoke"), None));         // skips a version
        var second = Entry(2, first.Hash, "revoke");
        Assert.True(await store.AppendStreamAsync(stream, second, None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendStreamAsync("GZ5201022603020000011", Entry(1, AuditChain.Genesis, "x"), None));

        var read = await store.ReadStreamAsync(stream, None);
        Assert.Equal([first.Canonical, second.Canonical], read.Select(e => e.Canonical).ToArray());
        while (await store.SealAsync(100, None) > 0)
        {
        }

        var verified = await store.VerifyAllAsync(None);
        Assert.True(verified.Valid, verified.FirstBrokenAt);
        Assert.Equal(3, verified.Entries);

        await using (var tamper = dataSource.CreateCommand("update tongban.case_audit set canonical = replace(canonical, 'revoke', 'grant') where case_no = $1 and version = 2"))
        {
            tamper.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
            Assert.Equal(1, await tamper.ExecuteNonQueryAsync());
        }

        var broken = await store.VerifyAllAsync(None);
        Assert.False(broken.Valid);
        Assert.Equal($"{stream}#2", broken.FirstBrokenAt);
    }
}
