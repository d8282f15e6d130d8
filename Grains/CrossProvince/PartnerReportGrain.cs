using Microsoft.Extensions.Logging;
using TongBan.Grains.Common;

namespace TongBan.Grains.CrossProvince;

/// <summary>Where the reports owed to a partner stand: what is delivered, what waits, the last failure and the next try.</summary>
[GenerateSerializer, Immutable]
public sealed record PartnerReportView(
    [property: Id(0)] string PartnerCode,
    [property: Id(1)] int Delivered,
    [property: Id(2)] IReadOnlyList<int> PendingVersions,
    [property: Id(3)] int Attempts,
    [property: Id(4)] string? LastError,
    [property: Id(5)] DateTimeOffset? NextAttemptAt,
    [property: Id(6)] int LastDeliveredVersion);

/// <summary>
/// The status reports a Guizhou case owes the partner province that sent it (内转 → 回传), keyed by case number: stored
/// on enqueue, then posted one at a time in version order; a failure is retried with capped exponential backoff
/// (<see cref="RetrySchedule"/>, a grain timer) and a reminder revives the grain after a restart, so a failing partner
/// never loses a report and never receives them out of order.
/// </summary>
public interface IPartnerReportGrain : IGrainWithStringKey
{
    /// <summary>Adds the reports of versions not yet enqueued (older versions are ignored, so passing the whole history is safe and catches up).</summary>
    Task<PartnerReportView> Enqueue(string partnerCode, IReadOnlyList<PartnerStatusMessage> reports);

    Task<PartnerReportView?> View();

    /// <summary>Tries the next report now (operators; also what the timer calls).</summary>
    Task<PartnerReportView?> TryDeliver();
}

[GenerateSerializer]
public sealed class PartnerReportState
{
    [Id(0)]
    public string? PartnerCode { get; set; }

    /// <summary>Reports not yet acknowledged, oldest first.</summary>
    [Id(1)]
    public List<PartnerStatusMessage> Pending { get; set; } = [];

    [Id(2)]
    public int LastEnqueuedVersion { get; set; }

    [Id(3)]
    public int LastDeliveredVersion { get; set; }

    [Id(4)]
    public int Delivered { get; set; }

    [Id(5)]
    public int Attempts { get; set; }

    /// <summary>Failures of the report at the head of the queue (the backoff exponent); 0 after a success.</summary>
    [Id(6)]
    public int ConsecutiveFailures { get; set; }

    [Id(7)]
    public string? LastError { get; set; }

    [Id(8)]
    public DateTimeOffset? NextAttemptAt { get; set; }
}

/// <remarks>
/// Concurrency: the delivery timer interleaves (<see cref="GrainTimerCreationOptions.Interleave"/>), so a slow or
/// unreachable partner (up to the gateway's 15 s timeout) never holds up the case grain that enqueues the next report.
/// Because of that interleaving, every change of state and its write happen under <see cref="writing"/>, and
/// <see cref="sending"/> keeps to one post at a time (order matters to the partner).
/// </remarks>
public sealed partial class PartnerReportGrain(
    [PersistentState("partnerreport", StorageNames.Default)] IPersistentState<PartnerReportState> state,
    PartnerOptions partners,
    IPartnerGateway gateway,
    TimeProvider clock,
    ILogger<PartnerReportGrain> logger) : Grain, IPartnerReportGrain, IRemindable
{
    private const string Reminder = "report";
    private readonly SemaphoreSlim writing = new(1, 1);
    private bool sending;
    private IGrainTimer? timer;

    private string CaseNo => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Pending.Count > 0)
        {
            var now = clock.GetUtcNow();
            Schedule(state.State.NextAttemptAt is { } next && next > now ? next - now : TimeSpan.Zero);
        }

        await base.OnActivateAsync(cancellationToken);
    }

    public async Task<PartnerReportView> Enqueue(string partnerCode, IReadOnlyList<PartnerStatusMessage> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var fresh = reports.Where(r => r.Version > state.State.LastEnqueuedVersion).OrderBy(r => r.Version).ToList();
        if (fresh.Count > 0)
        {
            await Write(s =>
            {
                s.PartnerCode ??= partnerCode;
                s.Pending.AddRange(fresh.Where(r => r.Version > s.LastEnqueuedVersion));
                s.LastEnqueuedVersion = Math.Max(s.LastEnqueuedVersion, fresh[^1].Version);
                s.NextAttemptAt ??= clock.GetUtcNow();
            });
            await this.RegisterOrUpdateReminder(Reminder, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(2));
            if (!sending && timer is null)
            {
                Schedule(TimeSpan.Zero);
            }
        }

        return Current()!;
    }

    public Task<PartnerReportView?> View() => Task.FromResult(state.State.PartnerCode is null ? null : Current());

    public async Task<PartnerReportView?> TryDeliver()
    {
        if (sending || state.State.Pending.Count == 0 || state.State.PartnerCode is not { } partnerCode)
        {
            return state.State.PartnerCode is null ? null : Current();
        }

        sending = true;
        TimeSpan? retryIn = null;
        bool delivered;
        try
        {
            var head = state.State.Pending[0];
            var result = partners.Find(partnerCode) is { } partner
                ? await gateway.SendStatusAsync(partner, head, CancellationToken.None)
                : new PartnerSendResult(false, "partner not configured", null);
            delivered = result.Delivered;
            var now = clock.GetUtcNow();
            await Write(s =>
            {
                s.Attempts++;
                if (result.Delivered)
                {
                    s.Pending.RemoveAll(r => r.Version == head.Version);
                    s.Delivered++;
                    s.LastDeliveredVersion = head.Version;
                    s.ConsecutiveFailures = 0;
                    s.NextAttemptAt = s.Pending.Count > 0 ? now : null;
                }
                else
                {
                    s.ConsecutiveFailures++;
                    s.LastError = result.Error;
                    retryIn = RetrySchedule.After(s.ConsecutiveFailures, partners.RetryBaseDelay, partners.RetryMaxDelay);
                    s.NextAttemptAt = now + retryIn;
                }
            });
            if (!delivered)
            {
                LogRetry(logger, CaseNo, partnerCode, head.Version, result.Error, retryIn!.Value);
            }
        }
        finally
        {
            sending = false;
        }

        if (state.State.Pending.Count > 0)
        {
            Schedule(retryIn ?? TimeSpan.Zero);
        }
        else if (await this.GetReminder(Reminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        return Current();
    }

    /// <summary>Safety net after a restart or a lost timer: kicks the timer when a report is due.</summary>
    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.State.Pending.Count > 0 && !sending && (state.State.NextAttemptAt is not { } next || next <= clock.GetUtcNow()))
        {
            Schedule(TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    private async Task Write(Action<PartnerReportState> change)
    {
        await writing.WaitAsync();
        try
        {
            change(state.State);
            await state.WriteStateAsync();
        }
        finally
        {
            writing.Release();
        }
    }

    private void Schedule(TimeSpan due)
    {
        timer?.Dispose();
        timer = this.RegisterGrainTimer(async () =>
        {
            timer?.Dispose();
            timer = null;
            await TryDeliver();
        }, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true, Interleave = true });
    }

    private PartnerReportView Current() => new(
        state.State.PartnerCode ?? string.Empty, state.State.Delivered, [.. state.State.Pending.Select(r => r.Version)], state.State.Attempts,
        state.State.LastError, state.State.NextAttemptAt, state.State.LastDeliveredVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseNo}: status report v{Version} to partner {Partner} failed ({Error}); retrying in {Delay}")]
    private static partial void LogRetry(ILogger logger, string caseNo, string partner, int version, string? error, TimeSpan delay);
}
