namespace TongBan.Grains.Live;

/// <summary>
/// One push to the subscribers of a SignalR group. <paramref name="CoalesceKey"/>: within one
/// flush, a later message with the same key replaces the earlier one (a busy hall sends its latest
/// snapshot, not every intermediate one); null for events that must all arrive (a ticket call).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LiveMessage(
    [property: Id(0)] string Group,
    [property: Id(1)] string Method,
    [property: Id(2)] object Payload,
    [property: Id(3)] string? CoalesceKey = null);

/// <summary>SignalR group names; the hub adds connections to these on Watch* calls.</summary>
public static class LiveGroups
{
    public static string Hall(string hallCode) => "hall:" + hallCode;

    public static string Ticket(string hallCode, string ticketNo) => $"ticket:{hallCode}:{ticketNo}";

    public static string Case(string caseNo) => "case:" + caseNo;

    /// <summary>A hall's manager desk: complaints about the hall (staff only, unlike the public <see cref="Hall"/> group).</summary>
    public static string HallDesk(string hallCode) => "halldesk:" + hallCode;

    public static string Region(string regionCode) => "region:" + regionCode;

    /// <summary>A window's rating pad: only a connection signed in as that window joins it.</summary>
    public static string WindowPad(string hallCode, int windowNo) => $"pad:{hallCode}/{windowNo}";

    /// <summary>Groups for in-process consumers on every host (<see cref="ILocalLiveSubscriber"/>), never sent to SignalR.</summary>
    public const string InternalPrefix = "internal:";

    public static string Internal(string name) => InternalPrefix + name;
}

/// <summary>Client method names of the live hub (published contract).</summary>
public static class LiveMethods
{
    public const string HallSnapshot = "hallSnapshot";
    public const string TicketCalled = "ticketCalled";
    public const string TicketUpdated = "ticketUpdated";
    public const string PointsChanged = "pointsChanged";
    public const string CaseChanged = "caseChanged";

    /// <summary>To a window's pad: the ticket just finished there, to be rated (评价邀请).</summary>
    public const string RatingOffer = "ratingOffer";

    /// <summary>To a hall's watchers: a case received at or responsible in the hall changed (its overdue list may have).</summary>
    public const string HallCasesChanged = "hallCasesChanged";
}
