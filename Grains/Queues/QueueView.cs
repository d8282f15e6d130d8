using System.Text.Json.Serialization;

namespace TongBan.Grains.Queues;

/// <summary>Actions on one ticket of a queue (the published window/ticket commands).</summary>
public enum TicketAction
{
    Recall,
    NoShow,
    Skip,
    Start,
    Finish,
    Cancel,
    Park,
    Unpark,
    ReturnToHead,
}

/// <summary>
/// A queue's live figures, as its hall, dashboard and map need them (<c>GET /api/halls/{hallCode}/queues/{category}</c>).
/// Published figures are rounded as a person reads them; the hall's roll-ups use the exact ones, not serialized to JSON.
/// </summary>
/// <param name="PredictedWaitMinutes">For a walk-in taking a ticket now, whole minutes; null when no open window serves the category.</param>
/// <param name="Waits">Today's wait figures in whole minutes; the estimate error only from <see cref="QueueRules.MinErrorSamples"/> predicted tickets (<c>predicted</c> is that count).</param>
/// <param name="MeanServiceMinutes">The service-time estimate, whole minutes.</param>
/// <param name="ServingWindows">Open windows that serve the category (a whole count; each one's measured share is used inside).</param>
/// <param name="NoWindow">Tickets wait and no open window serves the category: the wait is unknown (null), not 0 (无窗口办理).</param>
/// <param name="ServiceSamples">Recent services the service-time estimate rests on; below <see cref="QueueRules.MinServiceSamples"/> the prior applies.</param>
/// <param name="Capacity">Window-equivalents serving the category (sum of measured shares), as the prediction uses it; internal.</param>
/// <param name="ExactWaits">Today's wait figures unrounded, for the hall's roll-ups; internal.</param>
[GenerateSerializer, Immutable]
public sealed record QueueView(
    [property: Id(0)] string Category,
    [property: Id(1)] int Waiting,
    [property: Id(2)] int? PredictedWaitMinutes,
    [property: Id(3)] QueueCounts Counts,
    [property: Id(4)] WaitStatistics Waits,
    [property: Id(5)] double MeanServiceMinutes,
    [property: Id(6)] DateTimeOffset? LongestWaitingSince,
    [property: Id(7)] double ServingWindows,
    [property: Id(8)] DaySummary? LastClosedDay,
    [property: Id(9)] bool NoWindow = false,
    [property: Id(10)] int ServiceSamples = 0,
    [property: Id(11), JsonIgnore] double Capacity = 0,
    [property: Id(12), JsonIgnore] WaitStatistics? ExactWaits = null);

/// <summary>Keys of the per-category queue grains of earlier releases (<c>520102-H001/A</c>): their stored records are read once by <see cref="HallQueueGrain"/>.</summary>
public static class QueueKeys
{
    public static string Of(string hallCode, string category) => $"{hallCode}/{category}";

    public static (string HallCode, string Category) Parse(string key)
    {
        var slash = key.LastIndexOf('/');
        return (key[..slash], key[(slash + 1)..]);
    }
}
