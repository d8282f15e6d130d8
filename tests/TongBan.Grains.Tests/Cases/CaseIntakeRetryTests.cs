using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Identity;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Cases;

/// <summary>
/// Intake spends a case number before it submits the case; callers persist that number so a retry after a crash
/// between the two opens (or finds) the one case under it and never opens the application twice.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class CaseIntakeRetryTests(ClusterFixture fixture)
{
    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.Seeded();

    private static readonly PersonalDataProtector Protector = new(PrivacyOptions.Development());

    private static readonly CaseActor Clerk = new("clerk-1", CaseRole.Clerk, null, "520102-H001", 1, null, "520102");

    private static (CaseApplication Application, ApplicantRecord Applicant) Application(string sequence)
    {
        var body = "52010219850203" + sequence;
        var applicant = Protector.Record(new ApplicantDetails("韩十三", body + ResidentId.CheckCharacter(body), "13900002222"));
        var application = new CaseApplication("scjg-001", applicant.IdKey, CaseChannel.Window, "520102", "520102",
            [new("application-form", 1), new("id-card", 1, true)], Clerk, "520102-H001", null);
        return (application, applicant);
    }

    [Fact]
    public async Task A_retry_with_the_reserved_number_answers_the_case_already_opened_under_it()
    {
        var (application, applicant) = Application("611");
        string? reserved = null;
        var first = await CaseIntake.OpenAsync(fixture.Grains, Catalogue, application, applicant, DateTimeOffset.UtcNow,
            onReserved: number =>
            {
                reserved = number;
                return Task.CompletedTask;
            });
        Assert.True(first.Succeeded, first.Failure?.Message);
        Assert.Equal(reserved, first.View!.State.CaseNo);

        // The caller crashed before recording the opened case; its retry passes the reserved number back.
        var retry = await CaseIntake.OpenAsync(fixture.Grains, Catalogue, application, applicant, DateTimeOffset.UtcNow, reserved,
            onReserved: _ => throw new InvalidOperationException("a retry with a reserved number must not spend another"));
        Assert.True(retry.Succeeded, retry.Failure?.Message);
        Assert.Equal(first.View.State.CaseNo, retry.View!.State.CaseNo);
        Assert.Equal(first.View.State.Version, retry.View.State.Version);
    }

    [Fact]
    public async Task A_number_reserved_before_a_crash_opens_the_case_under_that_number_on_retry()
    {
        var (application, applicant) = Application("622");
        string? reserved = null;
        await Assert.ThrowsAsync<InvalidOperationException>(() => CaseIntake.OpenAsync(
            fixture.Grains, Catalogue, application, applicant, DateTimeOffset.UtcNow,
            onReserved: number =>
            {
                reserved = number;
                throw new InvalidOperationException("crash after the number was stored");
            }));
        Assert.NotNull(reserved);
        Assert.Null(await fixture.Grains.GetGrain<ICaseGrain>(reserved).Get());

        var retry = await CaseIntake.OpenAsync(fixture.Grains, Catalogue, application, applicant, DateTimeOffset.UtcNow, reserved);
        Assert.True(retry.Succeeded, retry.Failure?.Message);
        Assert.Equal(reserved, retry.View!.State.CaseNo);
        Assert.Equal(1, retry.View.State.Version);
    }
}
