using Microsoft.Extensions.DependencyInjection;
using TongBan.Api.Tests.Postgres;
using TongBan.Grains.Cases;

namespace TongBan.Web.Tests.Support;

/// <summary>
/// Cases dated in the past (accepted on 2026-03-02), committed into the running host's case store exactly as a case
/// grain commits them (state machine, chained audit entry, projection). A page test cannot wait weeks for a deadline
/// to pass; the grains load these like any stored case when the API touches them.
/// </summary>
public sealed class PastCases(WebApp app)
{
    private static int sequence = 9000;

    private CaseDriver Driver => new(app.App.Services.GetRequiredService<ICaseStore>());

    /// <summary>An rsj-001 case of an applicant of <paramref name="county"/>, received at <paramref name="hall"/> and accepted on T0; optionally finished.</summary>
    public async Task<string> AcceptedAsync(string county, string hall, int? completeAfterDays = null)
    {
        var caseNo = CaseNumber.Create(county, new DateOnly(2026, 3, 2), Interlocked.Increment(ref sequence));
        var driver = Driver;
        await driver.SubmitAsync("rsj-001", caseNo, CaseData.Zhang, county, CaseData.T0, CaseChannel.Window, hall);
        await driver.DoAsync(caseNo.Value, CaseAction.Receive, CaseData.T0.AddMinutes(1));
        await driver.DoAsync(caseNo.Value, CaseAction.Accept, CaseData.T0.AddMinutes(2));
        if (completeAfterDays is { } days)
        {
            await driver.DoAsync(caseNo.Value, CaseAction.StartReview, CaseData.T0.AddMinutes(3));
            await driver.DoAsync(caseNo.Value, CaseAction.Approve, CaseData.T0.AddMinutes(4));
            await driver.DoAsync(caseNo.Value, CaseAction.Complete, CaseData.T0.AddDays(days));
        }

        return caseNo.Value;
    }

    /// <summary>A window submission only (no deadline yet): counts as a 受理地 → 属地 flow.</summary>
    public async Task<string> SubmittedAsync(string county, string hall)
    {
        var caseNo = CaseNumber.Create(county, new DateOnly(2026, 3, 2), Interlocked.Increment(ref sequence));
        await Driver.SubmitAsync("rsj-001", caseNo, CaseData.Zhang, county, CaseData.T0, CaseChannel.Window, hall);
        return caseNo.Value;
    }
}
