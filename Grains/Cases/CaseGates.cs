using TongBan.Grains.Calendar;
using TongBan.Grains.Credit;
using TongBan.Grains.Licences;

namespace TongBan.Grains.Cases;

/// <summary>
/// Checks of a transition that need other grains, run by the case grain after the pure state machine
/// has accepted a command and before it commits: 容缺受理 only for applicants in good standing (and
/// registering their promise), cited e-licences verified on receipt, no delivery of a revoked result. Kept out of the state machine so it
/// stays pure; kept in one place so the case grain needs one line to call them.
/// </summary>
public static class CaseGates
{
    /// <param name="applicantKeys">Every keyed hash the applicant may be known under (the case's own key, and the other
    /// algorithm's when the case grain can open the applicant record), asked only for a credit check; null: the case's key.</param>
    public static async Task<CaseFailure?> BeforeCommitAsync(
        IGrainFactory grains, CaseState before, CaseCommand command, CaseState after, WorkingDayCalendar calendar, Func<IReadOnlyList<string>>? applicantKeys = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(after);
        CaseFailure Refuse(string message) => new(CaseFailureKind.RuleViolation, message, before.Status, before.Version, CaseStateMachine.AllowedActions(before));

        if (command.Action == CaseAction.Accept && after.DeferredMaterials.Count > 0)
        {
            var standing = await ApplicantCredit.StandingAsync(grains, applicantKeys?.Invoke() ?? [before.ApplicantKey]);
            if (!CreditRules.MayDefer(standing))
            {
                return Refuse($"申请人信用状况为“{CreditRules.Chinese(standing)}”，不适用容缺受理，请一次性告知所缺材料 (deferred materials need an applicant in good credit standing)");
            }

            // Registered before the commit; if the commit then loses, the promise finds no acceptance at its due date and voids itself.
            await grains.GetGrain<ICaseDeferralGrain>(before.CaseNo).Register(new DeferralPromise(
                before.CaseNo, before.DepartmentCode, before.RegionCode, [.. after.DeferredMaterials.Select(g => g.MaterialId)],
                after.AcceptedOn!.Value, DeferralRules.Due(after.AcceptedOn!.Value, calendar), after.Version));
        }

        if (command.Action == CaseAction.Receive &&
            await ELicenceGate.RefusalAsync(grains, before.ApplicantKey, command.Materials, CaseState.ChinaDate(after.UpdatedAt), before) is { } licence)
        {
            return licence;
        }

        if (command.Action == CaseAction.Deliver && await grains.GetGrain<ICaseSanctionGrain>(before.CaseNo).IsRevoked())
        {
            return Refuse("办理结果因虚假材料已被撤销，送达已取消 (the result was revoked for false materials: delivery is cancelled)");
        }

        return null;
    }
}
