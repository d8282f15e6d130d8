using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using TongBan.Grains.Identity;
using TongBan.Grains.Queues;
using static TongBan.Grains.Tests.Queues.QueueTestKit;

namespace TongBan.Grains.Tests.Queues;

/// <summary>
/// 一人一号: one open ticket per person (keyed ID or phone hash) per queue; a retry with the same idempotency key is the
/// same ticket, not a second one; the person may take again once the ticket closes; keys live only on open tickets.
/// </summary>
[Trait("Category", "Unit")]
public sealed class OneTicketPerPersonTests : IDisposable
{
    private static readonly KeyedHash Hash = new(Encoding.UTF8.GetBytes(PrivacyOptions.DevelopmentHashKey));
    private static readonly string[] Zhang = TicketHolderKeys.Of(Hash, "52010219900101123X", "13800001111");
    private static readonly string[] Li = TicketHolderKeys.Of(Hash, "520102198802023456", null);

    private readonly ServiceProvider services = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(CategoryQueueState).Assembly))
        .BuildServiceProvider();

    public void Dispose() => services.Dispose();

    private static QueueResult<TicketStatus> TakeAs(CategoryQueue q, string[]? person, DateTimeOffset at, string? key = null, TicketKind kind = TicketKind.WalkIn) =>
        q.Take(new TicketRequest(kind, IdempotencyKey: key, PersonKeys: person), 1, at);

    [Fact]
    public void A_second_open_ticket_of_the_same_person_is_refused_naming_the_first()
    {
        var q = NewQueue();
        var first = TakeAs(q, Zhang, At(9, 0)).Value.Ticket.Number;
        _ = TakeAs(q, Li, At(9, 1)).Value;

        var v = TakeAs(q, Zhang, At(9, 2)).Refused();
        Assert.Equal(QueueViolationCode.AlreadyHoldsTicket, v.Code);
        Assert.Equal((first, TicketState.Waiting), (v.TicketNo, v.State));
        Assert.Contains("A001", v.Message, StringComparison.Ordinal);
        Assert.Contains("A001", v.MessageZh, StringComparison.Ordinal);
        Assert.Equal(2, q.Counts.Issued); // nothing was issued

        // Known by the phone alone (another desk asked only for it): the same person.
        var byPhone = TicketHolderKeys.Of(Hash, null, "138 0000 1111");
        Assert.Equal("A001", TakeAs(q, byPhone, At(9, 3)).Refused().TicketNo);

        // Called or being served, still open.
        _ = q.CallNext(1, At(9, 4)).Value;
        Assert.Equal((QueueViolationCode.AlreadyHoldsTicket, TicketState.Called), (TakeAs(q, Zhang, At(9, 5)).Refused().Code, TakeAs(q, Zhang, At(9, 5)).Refused().State));
    }

    [Fact]
    public void Anonymous_walk_ins_are_not_deduplicated()
    {
        var q = NewQueue();
        Assert.Equal("A001", TakeAs(q, null, At(9, 0)).Value.Ticket.Number);
        Assert.Equal("A002", TakeAs(q, [], At(9, 1)).Value.Ticket.Number);
        Assert.Equal("A003", TakeAs(q, null, At(9, 2), kind: TicketKind.Kiosk).Value.Ticket.Number);
    }

    [Fact]
    public void A_retry_with_the_same_key_is_the_same_ticket_not_a_409()
    {
        var q = NewQueue();
        var first = TakeAs(q, Zhang, At(9, 0), key: "app-1").Value;
        var again = TakeAs(q, Zhang, At(9, 1), key: "app-1").Value;
        Assert.Equal(first.Ticket, again.Ticket);
        Assert.Equal(1, q.Counts.Issued);

        // Another person with that key is refused (the key is not theirs), and a new key of the same person is the 409.
        Assert.Equal(QueueViolationCode.IdempotencyKeyConflict, TakeAs(q, Li, At(9, 2), key: "app-1").Refused().Code);
        Assert.Equal(QueueViolationCode.AlreadyHoldsTicket, TakeAs(q, Zhang, At(9, 2), key: "app-2").Refused().Code);
    }

    [Theory]
    [InlineData("finish")]
    [InlineData("cancel")]
    [InlineData("noShow")]
    [InlineData("transfer")]
    public void Closing_the_ticket_releases_the_person(string close)
    {
        var state = new CategoryQueueState();
        var q = new CategoryQueue(state, "A", NoRecallSpacing);
        var number = TakeAs(q, Zhang, At(9, 0)).Value.Ticket.Number;
        switch (close)
        {
            case "finish":
                _ = q.CallAndFinish(1, At(9, 1));
                break;
            case "cancel":
                _ = q.Cancel(number, At(9, 1)).Value;
                break;
            case "noShow":
                _ = q.CallNext(1, At(9, 1)).Value;
                for (var i = 0; i < q.Rules.RecallsBeforeNoShow; i++)
                {
                    _ = q.Recall(number, 1, At(9, 2 + i)).Value;
                }

                _ = q.MarkNoShow(number, 1, At(9, 8)).Value;
                break;
            default:
                _ = q.TransferOut(number, null, "B", null, At(9, 1)).Value;
                break;
        }

        Assert.Equal("A002", TakeAs(q, Zhang, At(9, 10)).Value.Ticket.Number);
        Assert.Null(state.Tickets.First(t => t.Number == number && t.IsFinal).PersonKeys); // the closed entry keeps no key
    }

    [Fact]
    public void A_remote_no_show_is_released_after_its_own_number_of_recalls()
    {
        var q = NewQueue(rules: NoRecallSpacing with { RecallsBeforeNoShow = 3, RemoteRecallsBeforeNoShow = 1 });
        var remote = TakeAs(q, Zhang, At(9, 0), kind: TicketKind.Remote).Value.Ticket.Number;
        var walkIn = TakeAs(q, Li, At(9, 1)).Value.Ticket.Number;

        _ = q.CallNext(1, At(9, 2)).Value;
        Assert.Equal(QueueViolationCode.NoShowTooEarly, q.MarkNoShow(remote, 1, At(9, 3)).Refused().Code);
        _ = q.Recall(remote, 1, At(9, 4)).Value;
        Assert.Equal(TicketState.NoShow, q.MarkNoShow(remote, 1, At(9, 5)).Value.State);
        Assert.Equal("A003", TakeAs(q, Zhang, At(9, 6), kind: TicketKind.Remote).Value.Ticket.Number);

        // A walk-in keeps the general rule.
        _ = q.CallNext(2, At(9, 7)).Value;
        _ = q.Recall(walkIn, 2, At(9, 8)).Value;
        Assert.Equal(QueueViolationCode.NoShowTooEarly, q.MarkNoShow(walkIn, 2, At(9, 9)).Refused().Code);
        Assert.Equal(3, QueueRules.Default.RecallsBeforeNoShowOf(TicketKind.Remote)); // default: the same N for every kind
    }

    [Fact]
    public void The_next_day_starts_with_no_holders()
    {
        var q = NewQueue();
        _ = TakeAs(q, Zhang, At(9, 0)).Value;
        Assert.Equal("A001", TakeAs(q, Zhang, At(9, 0).AddDays(1)).Value.Ticket.Number);
    }

    [Fact]
    public void Holder_keys_survive_the_serializer_and_a_state_without_them_still_loads()
    {
        var original = new CategoryQueueState();
        var q = new CategoryQueue(original, "A");
        _ = TakeAs(q, Zhang, At(9, 0)).Value;
        _ = TakeAs(q, null, At(9, 1)).Value;

        var serializer = services.GetRequiredService<Serializer>();
        var restored = serializer.Deserialize<CategoryQueueState>(serializer.SerializeToArray(original))!;
        var r = new CategoryQueue(restored, "A");
        Assert.Equal("A001", TakeAs(r, Zhang, At(9, 2)).Refused().TicketNo);
        Assert.Equal("A003", TakeAs(r, Li, At(9, 2)).Value.Ticket.Number);

        // Keys are 128-bit cuts of the keyed hashes, never the raw input, and differ per person and per kind of identifier.
        Assert.All(Zhang, k => Assert.Equal(TicketHolderKeys.Length, k.Length));
        Assert.DoesNotContain(Zhang, k => k.Contains("13800001111", StringComparison.Ordinal));
        Assert.Equal(2, Zhang.Distinct().Count());
        Assert.NotEqual(Zhang[0], Li[0]);
    }
}
