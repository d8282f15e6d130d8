using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.Identity;
using TongBan.Grains.Licences;

namespace TongBan.Grains.Cases;

/// <summary>A new application before it has a number.</summary>
[GenerateSerializer, Immutable]
public sealed record CaseApplication(
    [property: Id(0)] string ItemCode,
    [property: Id(1)] string ApplicantKey,
    [property: Id(2)] CaseChannel Channel,
    [property: Id(3)] string CompetentRegion,
    [property: Id(4)] string NumberRegion,
    [property: Id(5)] IReadOnlyList<SubmittedMaterial> Materials,
    [property: Id(6)] CaseActor Actor,
    [property: Id(7)] string? ReceivingHallCode,
    [property: Id(8)] string? Comment)
{
    /// <summary>跨省通办 内转: the partner province that forwarded this application.</summary>
    [Id(9)]
    public CrossProvinceLink? CrossProvince { get; init; }

    /// <summary>The applicant's choice of notification channels; null: none.</summary>
    [Id(10)]
    public Notifications.NotificationConsent? Notify { get; init; }
}

/// <summary>
/// Opens cases: checks the application with the pure rules first (so a refused one burns no number),
/// allocates the next number of the region and day, then submits it to the new case grain.
/// </summary>
public static class CaseIntake
{
    /// <summary>Validates the application, spends a case number and submits the case.</summary>
    /// <param name="reservedCaseNo">A number this caller reserved on an earlier attempt (see <paramref name="onReserved"/>):
    /// the case is opened under it, or the case already opened under it is answered.</param>
    /// <param name="onReserved">Called with a newly spent number before the case is submitted; a caller that persists it
    /// and passes it back on a retry can never open the same application twice, even if it crashed in between.</param>
    public static async Task<CaseReply> OpenAsync(
        IGrainFactory grains, ServiceCatalogue catalogue, CaseApplication application, ApplicantRecord applicant, DateTimeOffset now,
        string? reservedCaseNo = null, Func<string, Task>? onReserved = null)
    {
        if (reservedCaseNo is not null && await grains.GetGrain<ICaseGrain>(reservedCaseNo).Get() is { } opened)
        {
            return new CaseReply(opened, null);
        }

        var item = catalogue.Find(application.ItemCode) ?? throw new ArgumentException($"Unknown item {application.ItemCode}.", nameof(application));
        var batch = catalogue.CurrentBatchOf(item.Code);
        var day = DateOnly.FromDateTime(now.ToOffset(ChinaTime.Offset).DateTime);
        CaseSubmission Submission(CaseNumber number) => new(
            number, application.ApplicantKey, application.Channel, application.CompetentRegion, batch,
            application.Materials, application.Actor, application.ReceivingHallCode, application.Comment)
        { CrossProvince = application.CrossProvince, Notify = application.Notify };

        var dryRun = new CaseStateMachine(item).Submit(Submission(CaseNumber.Create(application.NumberRegion, day, 1)), now);
        if (!dryRun.Succeeded)
        {
            return new CaseReply(null, dryRun.Failure);
        }

        // Cited e-licences are verified before a number is spent (409 for unknown, another person's, expired).
        if (await ELicenceGate.RefusalAsync(grains, application.ApplicantKey, application.Materials, day, null) is { } licence)
        {
            return new CaseReply(null, licence);
        }

        CaseNumber number;
        if (reservedCaseNo is not null && CaseNumber.TryParse(reservedCaseNo, out var reserved))
        {
            number = reserved;
        }
        else
        {
            var sequence = await grains.GetGrain<ICaseNumberGrain>($"{application.NumberRegion}/{day:yyMMdd}").Next();
            number = CaseNumber.Create(application.NumberRegion, day, sequence);
            if (onReserved is not null)
            {
                await onReserved(number.Value);
            }
        }

        return await grains.GetGrain<ICaseGrain>(number.Value).Submit(item.Code, Submission(number), applicant);
    }
}

/// <summary>
/// Makes <c>POST /api/cases</c> with an Idempotency-Key safe to retry: keyed by applicant and key,
/// it opens the case once and answers every repeat with the same case.
/// </summary>
public interface ICaseIntakeGrain : IGrainWithStringKey
{
    Task<CaseReply> Open(CaseApplication application, ApplicantRecord applicant);
}

[GenerateSerializer]
public sealed class CaseIntakeState
{
    [Id(0)]
    public string? CaseNo { get; set; }

    /// <summary>The number spent for this application before its case was submitted: a retry after a crash in
    /// between opens (or finds) the case under this number instead of spending a second one.</summary>
    [Id(1)]
    public string? ReservedCaseNo { get; set; }
}

public sealed class CaseIntakeGrain(
    [PersistentState("caseintake", StorageNames.Default)] IPersistentState<CaseIntakeState> state,
    ServiceCatalogue catalogue,
    TimeProvider clock) : Grain, ICaseIntakeGrain
{
    public async Task<CaseReply> Open(CaseApplication application, ApplicantRecord applicant)
    {
        if (state.State.CaseNo is { } existing)
        {
            return new CaseReply(await GrainFactory.GetGrain<ICaseGrain>(existing).Get(), null);
        }

        var reply = await CaseIntake.OpenAsync(
            GrainFactory, catalogue, application, applicant, ChinaTime.Now(clock), state.State.ReservedCaseNo,
            async number =>
            {
                state.State.ReservedCaseNo = number;
                await state.WriteStateAsync();
            });
        if (reply.Succeeded)
        {
            state.State.CaseNo = reply.View!.State.CaseNo;
            await state.WriteStateAsync();
        }

        return reply;
    }
}
