using Microsoft.Extensions.Logging;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.Identity;

namespace TongBan.Grains.CrossProvince;

public enum TransferStatus
{
    /// <summary>Accepted here, not yet acknowledged by the partner; retried with backoff until it is.</summary>
    Pending,

    /// <summary>The partner acknowledged it.</summary>
    Delivered,
}

/// <summary>An application received in Guizhou for another province's department (外转).</summary>
[GenerateSerializer, Immutable]
public sealed record OutboundTransfer(
    [property: Id(0)] string TransferId,
    [property: Id(1)] string PartnerCode,
    [property: Id(2)] string OriginRegionCode,
    [property: Id(3)] string TargetRegionCode,
    [property: Id(4)] string ItemName,
    [property: Id(5)] ApplicantRecord Applicant,
    [property: Id(6)] string? Note,
    [property: Id(7)] string ReceivedBy)
{
    /// <summary>The Guizhou case this transfer forwards (跨省通办 on a case); null for a free-standing transfer.</summary>
    [Id(8)]
    public string? CaseNo { get; init; }
}

[GenerateSerializer, Immutable]
public sealed record TransferAttempt([property: Id(0)] int Number, [property: Id(1)] DateTimeOffset At, [property: Id(2)] bool Delivered, [property: Id(3)] string? Error);

/// <summary>The visible state of a transfer: status, attempts so far, the last error and when the next try is.</summary>
[GenerateSerializer, Immutable]
public sealed record TransferView(
    [property: Id(0)] OutboundTransfer Transfer,
    [property: Id(1)] TransferStatus Status,
    [property: Id(2)] IReadOnlyList<TransferAttempt> Attempts,
    [property: Id(3)] DateTimeOffset? NextAttemptAt,
    [property: Id(4)] string? PartnerReference);

/// <summary>
/// One outbound transfer to a partner province (keyed by transfer id). Written before the first
/// attempt, so a failing partner or a restart never loses it: a grain timer retries with
/// exponential backoff (<see cref="RetrySchedule"/>), and a reminder every few minutes revives
/// the grain after a restart to carry on. Non-reentrant: one attempt at a time.
/// </summary>
public interface IOutboundTransferGrain : IGrainWithStringKey
{
    /// <summary>Stores and starts delivering; repeating with the same id returns the transfer as it is.</summary>
    Task<TransferView> Start(OutboundTransfer transfer);

    Task<TransferView?> View();

    /// <summary>Tries now (operators; also what the timer and reminder call).</summary>
    Task<TransferView?> TryDeliver();
}

[GenerateSerializer]
public sealed class OutboundTransferState
{
    [Id(0)]
    public OutboundTransfer? Transfer { get; set; }

    [Id(1)]
    public TransferStatus Status { get; set; }

    [Id(2)]
    public List<TransferAttempt> Attempts { get; set; } = [];

    [Id(3)]
    public DateTimeOffset? NextAttemptAt { get; set; }

    [Id(4)]
    public string? PartnerReference { get; set; }

    /// <summary>The case's timeline has the partner's acknowledgement (kept until it does: the reminder retries it).</summary>
    [Id(5)]
    public bool CaseNotified { get; set; }
}

public sealed partial class OutboundTransferGrain(
    [PersistentState("outboundtransfer", StorageNames.Default)] IPersistentState<OutboundTransferState> state,
    PartnerOptions partners,
    IPartnerGateway gateway,
    PersonalDataProtector protector,
    TimeProvider clock,
    ILogger<OutboundTransferGrain> logger) : Grain, IOutboundTransferGrain, IRemindable
{
    private const string Reminder = "deliver";
    private IGrainTimer? timer;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State is { Transfer: not null, Status: TransferStatus.Pending })
        {
            Schedule(state.State.NextAttemptAt is { } next && next > clock.GetUtcNow() ? next - clock.GetUtcNow() : TimeSpan.Zero);
        }

        await base.OnActivateAsync(cancellationToken);
    }

    public async Task<TransferView> Start(OutboundTransfer transfer)
    {
        if (state.State.Transfer is null)
        {
            state.State.Transfer = transfer;
            state.State.Status = TransferStatus.Pending;
            state.State.NextAttemptAt = clock.GetUtcNow();
            await state.WriteStateAsync();
            await this.RegisterOrUpdateReminder(Reminder, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(2));
            Schedule(TimeSpan.Zero);
        }

        return Current()!;
    }

    public Task<TransferView?> View() => Task.FromResult(Current());

    public async Task<TransferView?> TryDeliver()
    {
        if (state.State.Transfer is not { } transfer || state.State.Status == TransferStatus.Delivered)
        {
            return Current();
        }

        var number = state.State.Attempts.Count + 1;
        PartnerSendResult result;
        if (partners.Find(transfer.PartnerCode) is not { } partner)
        {
            result = new PartnerSendResult(false, "partner not configured", null);
        }
        else
        {
            var applicant = protector.Open(transfer.Applicant);
            result = await gateway.SendAsync(partner, new PartnerMessage(
                transfer.TransferId, transfer.OriginRegionCode, transfer.TargetRegionCode, transfer.ItemName, applicant.Name, applicant.IdNumber, applicant.Phone, transfer.Note), CancellationToken.None);
        }

        var now = clock.GetUtcNow();
        state.State.Attempts.Add(new TransferAttempt(number, now, result.Delivered, result.Error));
        if (result.Delivered)
        {
            state.State.Status = TransferStatus.Delivered;
            state.State.NextAttemptAt = null;
            state.State.PartnerReference = result.PartnerReference;
        }
        else
        {
            var delay = RetrySchedule.After(number, partners.RetryBaseDelay, partners.RetryMaxDelay);
            state.State.NextAttemptAt = now + delay;
            Schedule(delay);
            LogRetry(logger, transfer.TransferId, transfer.PartnerCode, number, result.Error, delay);
        }

        await state.WriteStateAsync();
        if (result.Delivered)
        {
            await NotifyCase();
        }

        return Current();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.State.Status == TransferStatus.Pending && state.State.NextAttemptAt is { } next && next <= clock.GetUtcNow())
        {
            await TryDeliver();
        }
        else if (state.State.Status == TransferStatus.Delivered)
        {
            await NotifyCase();
        }
    }

    /// <summary>
    /// Records the partner's acknowledgement on the case's timeline once (a state change; the failed attempts before it
    /// are visible on the transfer, not the timeline), then drops the reminder. The case grain never calls this grain,
    /// so the call cannot deadlock.
    /// </summary>
    private async Task NotifyCase()
    {
        if (state.State.Transfer is { CaseNo: { } caseNo } transfer && !state.State.CaseNotified)
        {
            try
            {
                var reply = await GrainFactory.GetGrain<ICaseGrain>(caseNo).AcknowledgeTransfer(transfer.PartnerCode, state.State.PartnerReference);
                if (!reply.Succeeded)
                {
                    LogNotNotified(logger, transfer.TransferId, caseNo, reply.Failure!.Message);
                }

                state.State.CaseNotified = true;
                await state.WriteStateAsync();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The reminder tries again.
                LogNotNotified(logger, transfer.TransferId, caseNo, e.Message);
                return;
            }
        }

        if (await this.GetReminder(Reminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
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
        }, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private TransferView? Current() => state.State.Transfer is { } t
        ? new TransferView(t, state.State.Status, [.. state.State.Attempts], state.State.NextAttemptAt, state.State.PartnerReference)
        : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transfer {TransferId}: case {CaseNo} not told of the partner's acknowledgement yet ({Error})")]
    private static partial void LogNotNotified(ILogger logger, string transferId, string caseNo, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transfer {TransferId} to partner {Partner}: attempt {Attempt} failed ({Error}); retrying in {Delay}")]
    private static partial void LogRetry(ILogger logger, string transferId, string partner, int attempt, string? error, TimeSpan delay);
}

/// <summary>An application a partner province forwarded to Guizhou (内转), as received.</summary>
[GenerateSerializer, Immutable]
public sealed record InboundTransfer(
    [property: Id(0)] string PartnerCode,
    [property: Id(1)] string TransferId,
    [property: Id(2)] string OriginRegionCode,
    [property: Id(3)] string TargetRegionCode,
    [property: Id(4)] string ItemName,
    [property: Id(5)] ApplicantRecord Applicant,
    [property: Id(6)] DateTimeOffset ReceivedAt);

/// <summary>An inbound transfer and the Guizhou case it opened (or why it could not be opened).</summary>
[GenerateSerializer, Immutable]
public sealed record InboundReceipt(
    [property: Id(0)] InboundTransfer Transfer,
    [property: Id(1)] string? CaseNo,
    [property: Id(2)] CaseFailure? Failure);

/// <summary>
/// Inbound transfers, keyed <c>{partnerCode}/{transferId}</c>: stores what the partner sent, then opens the Guizhou
/// case (case number, routed to the competent department and region). Idempotent on (partner, transfer id): a
/// partner's retry returns the first receipt and the same case.
/// </summary>
public interface IInboundTransferGrain : IGrainWithStringKey
{
    Task<InboundReceipt> Receive(InboundTransfer transfer, CaseApplication application);

    Task<InboundReceipt?> View();
}

[GenerateSerializer]
public sealed class InboundTransferState
{
    [Id(0)]
    public InboundTransfer? Transfer { get; set; }

    [Id(1)]
    public string? CaseNo { get; set; }

    /// <summary>The case number spent before the case was submitted (see <see cref="CaseIntake.OpenAsync"/>).</summary>
    [Id(2)]
    public string? ReservedCaseNo { get; set; }
}

/// <remarks>
/// The transfer is written before the case is opened, the spent case number before the case is submitted, and the
/// opened number after: a partner's retry after a crash anywhere in between opens or finds the one case under the
/// reserved number, never a second case.
/// </remarks>
public sealed partial class InboundTransferGrain(
    [PersistentState("inboundtransfer", StorageNames.Default)] IPersistentState<InboundTransferState> state,
    ServiceCatalogue catalogue,
    TimeProvider clock,
    ILogger<InboundTransferGrain> logger) : Grain, IInboundTransferGrain
{
    public async Task<InboundReceipt> Receive(InboundTransfer transfer, CaseApplication application)
    {
        if (state.State.Transfer is null)
        {
            state.State.Transfer = transfer;
            await state.WriteStateAsync();
        }

        if (state.State.CaseNo is null)
        {
            var stored = state.State.Transfer;
            var reply = await CaseIntake.OpenAsync(
                GrainFactory, catalogue, application, stored.Applicant, ChinaTime.Now(clock), state.State.ReservedCaseNo,
                async number =>
                {
                    state.State.ReservedCaseNo = number;
                    await state.WriteStateAsync();
                });
            if (!reply.Succeeded)
            {
                return new InboundReceipt(stored, null, reply.Failure);
            }

            state.State.CaseNo = reply.View!.State.CaseNo;
            await state.WriteStateAsync();
            LogOpened(logger, stored.PartnerCode, stored.TransferId, state.State.CaseNo);
        }

        return new InboundReceipt(state.State.Transfer, state.State.CaseNo, null);
    }

    public Task<InboundReceipt?> View() =>
        Task.FromResult(state.State.Transfer is { } t ? new InboundReceipt(t, state.State.CaseNo, null) : null);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbound transfer {Partner}/{TransferId} opened case {CaseNo}")]
    private static partial void LogOpened(ILogger logger, string partner, string transferId, string caseNo);
}
