using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TongBan.Grains.Identity;
using TongBan.Grains.Queues;
using TongBan.Silo.Hosting;

namespace TongBan.Api.Tests.Embedded;

/// <summary>The queue rules (N recalls before a no-show, for remote tickets too) come from <c>TongBan:Queue</c>; bad values stop the start.</summary>
[Trait("Category", "Integration")]
public class QueueRulesStartupTests
{
    private static IConfiguration Config(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    [Fact]
    public void Queue_rules_are_read_from_configuration_with_the_defaults_elsewhere()
    {
        var services = new ServiceCollection().AddSingleton(PrivacyOptions.Development());
        services.AddQueueRules(Config(("TongBan:Queue:RecallsBeforeNoShow", "2"), ("TongBan:Queue:RemoteRecallsBeforeNoShow", "1")));
        using var provider = services.BuildServiceProvider();
        var rules = provider.GetRequiredService<QueueRules>();
        Assert.Equal((2, 1, 3), (rules.RecallsBeforeNoShowOf(TicketKind.WalkIn), rules.RecallsBeforeNoShowOf(TicketKind.Remote), rules.SkipDeferral));
        Assert.Equal(QueueRules.Default.MinRecallInterval, rules.MinRecallInterval);
        Assert.NotNull(provider.GetRequiredService<CancelTokens>());

        using var none = new ServiceCollection().AddQueueRules(Config()).BuildServiceProvider();
        Assert.Equal(QueueRules.Default, none.GetRequiredService<QueueRules>());
    }

    [Theory]
    [InlineData("RecallsBeforeNoShow", "-1")]
    [InlineData("RemoteRecallsBeforeNoShow", "-2")]
    public void A_negative_recall_count_stops_the_start(string key, string value)
    {
        var error = Assert.Throws<StartupException>(() => new ServiceCollection().AddQueueRules(Config(($"TongBan:Queue:{key}", value))));
        Assert.Contains("TongBan:Queue", error.Message, StringComparison.Ordinal);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }
}
