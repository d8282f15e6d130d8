using TongBan.Grains.Authorisation;
using TongBan.Grains.Cases;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Authorisation;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class GrantBookGrainTests(ClusterFixture fixture)
{
    private static Grant NewGrant(string id, string grantor, string grantee, params GrantRight[] rights) =>
        new(id, Grantor.Hall(grantor), new Grantee(grantee), rights, [], DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(7), "manager-1", "协作", default);

    [Fact]
    public async Task Grant_is_idempotent_revoke_is_immediate_and_both_are_in_the_audit_chain()
    {
        const string grantor = "520303-H001";
        var book = fixture.Grains.GetGrain<IGrantBookGrain>(grantor);
        var grant = NewGrant("t-book-1", grantor, "520402-H001", GrantRight.ReceiveAccept, GrantRight.DeliverResults);

        var first = await book.Grant(grant);
        Assert.True(first.Succeeded, first.Failure?.Message);
        var again = await book.Grant(grant);
        Assert.Equal((first.Grant!.Id, first.Grant.GrantedAt), (again.Grant!.Id, again.Grant.GrantedAt));
        Assert.Equal(GrantFailureKind.Conflict, (await book.Grant(grant with { Rights = [GrantRight.OneTimeNotice] })).Failure!.Kind);
        Assert.Equal(GrantFailureKind.Invalid, (await book.Grant(grant with { Id = "t-book-2", Grantor = Grantor.Hall("520304-H001") })).Failure!.Kind);

        var now = DateTimeOffset.UtcNow;
        Assert.Equal([GrantRight.ReceiveAccept, GrantRight.DeliverResults], await book.RightsHeld("520402-H001", "rsj-001", now));
        var revoked = await book.Revoke("t-book-1", "manager-1", "到期前收回");
        Assert.NotNull(revoked.Grant!.RevokedAt);
        Assert.Empty(await book.RightsHeld("520402-H001", "rsj-001", DateTimeOffset.UtcNow));
        var twice = (await book.Revoke("t-book-1", "manager-2", null)).Grant!; // revoking twice changes nothing
        Assert.Equal((revoked.Grant.RevokedAt, "manager-1"), (twice.RevokedAt, twice.RevokedBy));
        Assert.Equal(GrantFailureKind.NotFound, (await book.Revoke("t-book-none", "manager-1", null)).Failure!.Kind);

        var stream = await ClusterFixture.CaseStore.ReadStreamAsync(GrantBookGrain.StreamOf(grantor), CancellationToken.None);
        Assert.Equal(2, stream.Count);
        Assert.Contains("\"operation\":\"grant\"", stream[0].Canonical, StringComparison.Ordinal);
        Assert.Contains("\"operation\":\"revoke\"", stream[1].Canonical, StringComparison.Ordinal);
        Assert.True(AuditChain.VerifyCase(stream).Valid);
        Assert.True((await ClusterFixture.CaseStore.VerifyAllAsync(CancellationToken.None)).Valid);
    }

    [Fact]
    public async Task A_book_is_rebuilt_from_its_stream_after_deactivation()
    {
        const string grantor = "520304-H001";
        var book = fixture.Grains.GetGrain<IGrantBookGrain>(grantor);
        await book.Grant(NewGrant("t-replay-1", grantor, "520402-H001", GrantRight.OneTimeNotice));
        await book.Grant(NewGrant("t-replay-2", grantor, "520502-H001", GrantRight.VerifyOriginals));
        await book.Revoke("t-replay-1", "manager-1", "收回");

        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);

        var list = await fixture.Grains.GetGrain<IGrantBookGrain>(grantor).List();
        Assert.Equal(["t-replay-1", "t-replay-2"], list.Select(g => g.Id).ToArray());
        Assert.NotNull(list[0].RevokedAt);
        Assert.Equal([GrantRight.VerifyOriginals], await fixture.Grains.GetGrain<IGrantBookGrain>(grantor).RightsHeld("520502-H001", "x", DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task The_directory_keeps_an_id_with_its_first_grantor()
    {
        var directory = fixture.Grains.GetGrain<IGrantDirectoryGrain>(IGrantDirectoryGrain.Key);
        Assert.Null(await directory.Reserve("t-dir-1", "520303-H001", "520402-H001"));
        Assert.Null(await directory.Reserve("t-dir-1", "520303-H001", "520402-H001"));
        Assert.Equal("520303-H001", await directory.Reserve("t-dir-1", "rsj/520102", "520402-H001"));
        Assert.Equal("520303-H001", await directory.GrantorOf("t-dir-1"));
        Assert.Null(await directory.GrantorOf("t-dir-none"));
        Assert.Contains("520303-H001", await directory.GrantorsOfGrantee("520402-H001"));
    }
}
