namespace TongBan.Grains.Halls;

/// <summary>Live figures of one queue category (published API shape plus dashboard extras). Figures are rounded as read: whole minutes and windows.</summary>
/// <param name="PredictedWaitMinutes">For a walk-in taking a ticket now; null when no open window serves the category.</param>
/// <param name="ServingWindows">Open windows that serve the category (whole; the prediction uses each one's measured share).</param>
/// <param name="MeanAbsoluteErrorMinutes">
/// Honesty of the estimate today: mean |predicted − actual| wait of called tickets, whole minutes; null until it rests on
/// <see cref="Queues.QueueRules.MinErrorSamples"/> tickets (<paramref name="ErrorSampleCount"/>).
/// </param>
/// <param name="NoWindow">Tickets wait and no open window serves the category (无窗口办理): the predicted wait is null, never 0.</param>
/// <param name="ErrorSampleCount">Called tickets with a prediction today: how many tickets the published error rests on.</param>
/// <param name="P90AbsoluteErrorMinutes">90th percentile of |predicted − actual|, whole minutes; published under the same rule as the mean.</param>
/// <param name="Served">Finished tickets plus walk-up services (补录) today.</param>
[GenerateSerializer, Immutable]
public sealed record CategorySnapshot(
    [property: Id(0)] string Code,
    [property: Id(1)] string Name,
    [property: Id(2)] int Waiting,
    [property: Id(3)] int? PredictedWaitMinutes,
    [property: Id(4)] int? LongestWaitMinutes = null,
    [property: Id(5)] double ServingWindows = 0,
    [property: Id(6)] double? MeanAbsoluteErrorMinutes = null,
    [property: Id(7)] int Served = 0,
    [property: Id(8)] int NoShows = 0,
    [property: Id(9)] bool NoWindow = false,
    [property: Id(10)] int ErrorSampleCount = 0,
    [property: Id(11)] double? P90AbsoluteErrorMinutes = null);

/// <summary>Live state of one window (published API shape plus clerk and counts).</summary>
/// <param name="Categories">The categories the window serves now (a manager may change them live).</param>
/// <param name="PauseReason">While paused: break, training, systemFault or other.</param>
[GenerateSerializer, Immutable]
public sealed record WindowSnapshot(
    [property: Id(0)] int WindowNo,
    [property: Id(1)] string State,
    [property: Id(2)] string? ServingTicket,
    [property: Id(3)] string? Clerk = null,
    [property: Id(4)] int ServedToday = 0,
    [property: Id(5)] IReadOnlyList<string>? Categories = null,
    [property: Id(6)] string? PauseReason = null,
    [property: Id(7)] int PausedMinutesToday = 0);

/// <summary>The hall's live snapshot: <c>GET /api/halls/{hallCode}/snapshot</c> and the <c>hallSnapshot</c> push.</summary>
[GenerateSerializer, Immutable]
public sealed record HallSnapshot(
    [property: Id(0)] string HallCode,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] IReadOnlyList<CategorySnapshot> Categories,
    [property: Id(3)] IReadOnlyList<WindowSnapshot> Windows,
    [property: Id(4)] int ServedToday,
    [property: Id(5)] int AppointmentsToday,
    [property: Id(6)] double? GoodRate,
    [property: Id(7)] bool Suspended,
    [property: Id(8)] int AppointmentsNextHour = 0,
    [property: Id(9)] int NoShowsToday = 0,
    [property: Id(10)] double? AverageWaitMinutes = null,
    [property: Id(11)] double? P90WaitMinutes = null,
    [property: Id(12)] int WaitingTotal = 0,
    [property: Id(13)] int OpenWindows = 0);
