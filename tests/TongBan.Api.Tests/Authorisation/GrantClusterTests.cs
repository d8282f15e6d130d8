using Microsoft.Extensions.DependencyInjection;
using TongBan.Api.Tests.Support;
using TongBan.Grains.Authorisation;

namespace TongBan.Api.Tests.Authorisation;

/// <summary>
/// Two embedded silos in one cluster, each with its own Kestrel: a grant made through one silo's HTTP endpoint is
/// used through the other's, and a revocation made through either is refused through both, at once (no waiting,
/// no retry). Cases are opened alternately through each silo, so their grains (which ask the grant book at each
/// transition) are not all where the book is.
/// </summary>
[Trait("Category", "Integration")]
public class GrantClusterTests(EmbeddedCluster cluster) : IClassFixture<EmbeddedCluster>
{
    private const string ReceiveAccept = "收件受理权 (receiveAccept)";

    [Fact]
    public async Task Grant_and_revoke_on_one_silo_take_effect_on_the_other_immediately()
    {
        const string receiving = "520402-H001";
        const string outside = "520502-H001";
        var silo = new[] { new GrantFlow(cluster.Silos[0].Http), new GrantFlow(cluster.Silos[1].Http) };
        var manager = await silo[0].Token("hallManager", hallCode: receiving, subject: "manager-xixiu");
        var clerk = await silo[0].Token("clerk", hallCode: outside, subject: "clerk-qixingguan"); // same signing key on both silos

        var cases = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            cases.Add(await silo[i % 2].ReceivedCase(receiving, "520111", $"52011119900101{i}12"));
        }

        foreach (var caseNo in cases)
        {
            await GrantFlow.RefusedFor(await silo[1].Move(caseNo, clerk, 2, "reject", new { reason = "不属于受理范围" }), ReceiveAccept);
        }

        for (var round = 0; round < 3; round++)
        {
            var (granter, user) = round % 2 == 0 ? (silo[0], silo[1]) : (silo[1], silo[0]);
            var id = $"g-xixiu-qixingguan-{round}";
            await granter.Grant(manager, id, receiving, outside, ["receiveAccept"]);
            var accepted = await GrantFlow.Ok(await user.Move(cases[round * 3], clerk, 2, "accept"));
            Assert.Equal("accepted", accepted.GetProperty("status").GetString());

            await granter.Revoke(manager, id);
            await GrantFlow.RefusedFor(await user.Move(cases[(round * 3) + 1], clerk, 2, "accept"), ReceiveAccept);
            await GrantFlow.RefusedFor(await granter.Move(cases[(round * 3) + 2], clerk, 2, "accept"), ReceiveAccept);
        }

        var book = await cluster.Silos[1].App.Services.GetRequiredService<IGrainFactory>().GetGrain<IGrantBookGrain>(receiving).List();
        Assert.Equal(3, book.Count);
        Assert.All(book, g => Assert.NotNull(g.RevokedAt));
    }
}
