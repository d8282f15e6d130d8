using TongBan.Grains.Live;

namespace TongBan.Grains.Windows;

/// <summary>
/// 评价邀请: the ticket a window just finished, offered to that window's rating pad (评价器) so a pad on a separate
/// device learns what to rate. Only the pad signed in at this window (a clerk token with this hall and window) may
/// watch it (<see cref="LiveGroups.WindowPad"/>), and it lapses after <see cref="Lifetime"/>: a pad left alone does not
/// keep offering yesterday's ticket to the next person. It carries no personal data and no rating token; the pad
/// rates with its own sign-in, which the rating intake checks again (this window served the ticket, within
/// <c>WindowPadMinutes</c> of the finish), so the offer grants nothing by itself.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record WindowRatingOffer(
    [property: Id(0)] string HallCode,
    [property: Id(1)] int WindowNo,
    [property: Id(2)] string TicketNo,
    [property: Id(3)] DateOnly Day,
    [property: Id(4)] DateTimeOffset FinishedAt,
    [property: Id(5)] DateTimeOffset ExpiresAt)
{
    /// <summary>How long a pad shows the just-finished ticket: the citizen rates at the counter or not at all.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(3);

    public bool IsValidAt(DateTimeOffset now) => now < ExpiresAt;
}
