using TongBan.Grains.Queues;

namespace TongBan.Grains.Tests.Queues;

/// <summary>Shared helpers: a fixed local day (Asia/Shanghai) and terse ways to drive a queue.</summary>
internal static class QueueTestKit
{
    public static readonly TimeSpan China = TimeSpan.FromHours(8);

    /// <summary>A Monday in the hall's local time.</summary>
    public static DateTimeOffset At(int hour, int minute, int second = 0) => new(2025, 3, 10, hour, minute, second, China);

    public static CategoryQueue NewQueue(string category = "A", QueueRules? rules = null) =>
        new(new CategoryQueueState(), category, rules);

    /// <summary>Rules without the recall spacing, for tests that are not about it.</summary>
    public static QueueRules NoRecallSpacing => QueueRules.Default with { MinRecallInterval = TimeSpan.Zero };

    public static string Take(
        this CategoryQueue q,
        DateTimeOffset at,
        PriorityClass priority = PriorityClass.Normal,
        DateTimeOffset? slot = null,
        string? key = null,
        double windows = 1) =>
        q.Take(
            new TicketRequest(slot is null ? TicketKind.WalkIn : TicketKind.Appointment, priority, slot, key),
            windows,
            at).Value.Ticket.Number;

    /// <summary>Calls the next ticket at a window and finishes it at once, so the window is free again; null when nothing is callable.</summary>
    public static string? CallAndFinish(this CategoryQueue q, int window, DateTimeOffset at)
    {
        var called = q.CallNext(window, at).Value;
        if (called is null)
        {
            return null;
        }

        _ = q.Start(called.Number, window, at).Value;
        _ = q.Finish(called.Number, window, at).Value;
        return called.Number;
    }

    /// <summary>The order in which one window would call everything callable now, serving each ticket instantly.</summary>
    public static List<string> Drain(this CategoryQueue q, DateTimeOffset at, int window = 1)
    {
        var order = new List<string>();
        while (q.CallAndFinish(window, at) is { } number)
        {
            order.Add(number);
        }

        return order;
    }

    public static QueueViolation Refused<T>(this QueueResult<T> result)
    {
        Assert.False(result.IsOk, $"expected a violation, got {result}");
        return result.Violation!;
    }
}
