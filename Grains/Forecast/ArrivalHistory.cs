using System.Collections.Concurrent;

namespace TongBan.Grains.Forecast;

/// <summary>
/// One past ticket as the forecast needs it: when it was taken, called, started and finished, and where.
/// Times are instants (+08:00 as read in the hall). A ticket never called (no-show, cancelled) has no <see cref="CalledAt"/>.
/// </summary>
/// <param name="Appointment">Taken for a booked appointment (预约取号): the forecast learns walk-ins only and adds the bookings it knows.</param>
public sealed record PastTicket(
    string HallCode,
    string Category,
    DateTimeOffset TakenAt,
    DateTimeOffset? CalledAt,
    DateTimeOffset? ServiceStartedAt,
    DateTimeOffset? FinishedAt,
    int? WindowNo,
    bool Appointment = false);

/// <summary>
/// Past tickets of a hall, the forecast's only input from history. The service history answers it in every host that keeps one
/// (<see cref="ServiceHistoryArrivals"/>); tests and the demo use <see cref="InMemoryArrivalHistory"/> (empty, or seeded with
/// <see cref="SyntheticHistory"/> when <c>TongBan:Forecast:SyntheticHistoryDays</c> is set).
/// </summary>
public interface IArrivalHistory
{
    /// <summary>True when the history is generated (合成数据), so every figure that rests on it says so.</summary>
    bool Synthetic { get; }

    /// <summary>Every ticket of the hall (all categories) taken on the local dates <paramref name="from"/>–<paramref name="to"/>, inclusive.</summary>
    Task<IReadOnlyList<PastTicket>> TicketsAsync(string hallCode, DateOnly from, DateOnly to, CancellationToken cancellationToken);
}

/// <summary>Past tickets held in memory, per hall: tests, and the synthetic demo history.</summary>
public sealed class InMemoryArrivalHistory(bool synthetic = false) : IArrivalHistory
{
    private readonly ConcurrentDictionary<string, List<PastTicket>> halls = new(StringComparer.Ordinal);

    /// <summary>Called when a hall is first asked for and has nothing stored: may return tickets to keep (the synthetic seed).</summary>
    public Func<string, IReadOnlyList<PastTicket>>? Seed { get; init; }

    public bool Synthetic => synthetic;

    public void Add(IEnumerable<PastTicket> tickets)
    {
        ArgumentNullException.ThrowIfNull(tickets);
        foreach (var group in tickets.GroupBy(t => t.HallCode, StringComparer.Ordinal))
        {
            var list = halls.GetOrAdd(group.Key, _ => []);
            lock (list)
            {
                list.AddRange(group);
            }
        }
    }

    public Task<IReadOnlyList<PastTicket>> TicketsAsync(string hallCode, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var list = halls.GetOrAdd(hallCode, code => Seed is { } seed ? [.. seed(code)] : []);
        lock (list)
        {
            IReadOnlyList<PastTicket> found = [.. list.Where(t => ForecastTime.LocalDate(t.TakenAt) is var d && d >= from && d <= to)];
            return Task.FromResult(found);
        }
    }
}

/// <summary>Local (+08:00) calendar helpers of the forecast: weekday × 15-minute slots.</summary>
public static class ForecastTime
{
    public const int SlotMinutes = 15;
    public const int SlotsPerDay = 24 * 60 / SlotMinutes;

    public static DateTimeOffset Local(DateTimeOffset at) => at.ToOffset(Common.ChinaTime.Offset);

    public static DateOnly LocalDate(DateTimeOffset at) => DateOnly.FromDateTime(Local(at).DateTime);

    public static int Slot(DateTimeOffset at)
    {
        var local = Local(at);
        return ((local.Hour * 60) + local.Minute) / SlotMinutes;
    }

    public static DateTimeOffset At(DateOnly date, TimeOnly time) => new(date.ToDateTime(time), Common.ChinaTime.Offset);
}
