using TongBan.Grains.Cases;
using TongBan.Grains.Notifications;
using TongBan.Grains.Tests.Cases;

namespace TongBan.Grains.Tests.Notifications;

[Trait("Category", "Integration")]
public class NotificationRulesTests
{
    private static readonly TimeOnly Nine = new(21, 0);
    private static readonly TimeOnly Eight = new(8, 0);

    private static DateTimeOffset China(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, TimeSpan.FromHours(8));

    [Theory]
    [InlineData(20, 59, false)]
    [InlineData(21, 0, true)]
    [InlineData(23, 30, true)]
    [InlineData(0, 0, true)]
    [InlineData(7, 59, true)]
    [InlineData(8, 0, false)]
    [InlineData(12, 0, false)]
    public void Quiet_hours_run_from_21_00_to_08_00_China_time(int hour, int minute, bool quiet) =>
        Assert.Equal(quiet, NotificationRules.QuietUntil(China(24, hour, minute), Nine, Eight) is not null);

    [Fact]
    public void A_message_deferred_in_the_evening_goes_at_eight_the_next_morning_and_one_after_midnight_the_same_morning()
    {
        Assert.Equal(China(25, 8), NotificationRules.QuietUntil(China(24, 22), Nine, Eight));
        Assert.Equal(China(25, 8), NotificationRules.QuietUntil(China(25, 3), Nine, Eight));

        // The same instant given in UTC: the rule reads China time, not the offset it was handed.
        Assert.Equal(China(25, 8), NotificationRules.QuietUntil(China(24, 22).ToUniversalTime(), Nine, Eight));
    }

    [Fact]
    public void Equal_start_and_end_mean_no_quiet_hours() =>
        Assert.Null(NotificationRules.QuietUntil(China(24, 23), Eight, Eight));

    [Fact]
    public void Backoff_doubles_from_the_base_up_to_the_cap()
    {
        var baseDelay = TimeSpan.FromSeconds(5);
        var cap = TimeSpan.FromMinutes(1);
        Assert.Equal(TimeSpan.FromSeconds(5), NotificationRules.Backoff(1, baseDelay, cap));
        Assert.Equal(TimeSpan.FromSeconds(10), NotificationRules.Backoff(2, baseDelay, cap));
        Assert.Equal(TimeSpan.FromSeconds(40), NotificationRules.Backoff(4, baseDelay, cap));
        Assert.Equal(cap, NotificationRules.Backoff(5, baseDelay, cap));
        Assert.Equal(cap, NotificationRules.Backoff(500, baseDelay, cap));
    }

    [Fact]
    public void Templates_render_zh_CN_text_and_refuse_anything_that_looks_like_an_ID_number()
    {
        Assert.Equal("您的办件GZ1（社保卡）已受理，承诺5个工作日内办结。", NotificationTemplates.Render(NotificationTemplates.CaseAccepted, ["GZ1", "社保卡", "5"]));
        Assert.Throws<ArgumentException>(() => NotificationTemplates.Render(NotificationTemplates.CaseAccepted, ["GZ1", "520102199003071236", "5"]));
        Assert.Throws<ArgumentException>(() => NotificationTemplates.Render(NotificationTemplates.CaseAccepted, ["GZ1", "52010219900307123X", "5"]));
        Assert.Throws<ArgumentException>(() => NotificationTemplates.Render(NotificationTemplates.CaseAccepted, ["GZ1"]));

        // A 13-character EMS number and a 21-character case number are not ID numbers.
        Assert.Contains("EA123456789CN", NotificationTemplates.Render(NotificationTemplates.CaseDeliveredByEms, ["GZ5201022603020000428", "EA123456789CN"]));
    }

    [Fact]
    public void Case_steps_map_to_their_templates_with_the_missing_materials_listed_by_name()
    {
        var received = CaseFixture.Do(CaseFixture.SubmittedCase(CaseFixture.NoPhoto), CaseAction.Receive, c => c with { Materials = null });
        var notice = CaseFixture.Machine.Apply(received, CaseFixture.Command(CaseAction.NotifyMissing, received), CaseFixture.T0);
        Assert.True(notice.Succeeded, notice.Failure?.Message);
        var message = CaseNotifications.MessageFor(notice.State!, notice.Entry!, CaseFixture.Item, "南明区政务服务中心");
        Assert.NotNull(message);
        Assert.Equal(NotificationTemplates.CaseMissingMaterials, message.Value.Template);
        Assert.Contains(CaseFixture.Item.Material("photo")!.Name, message.Value.Parameters[1], StringComparison.Ordinal);
        Assert.Equal("南明区政务服务中心", message.Value.Parameters[2]);

        // Receiving tells the applicant nothing by itself.
        var receive = CaseFixture.Machine.Apply(CaseFixture.SubmittedCase(), CaseFixture.Command(CaseAction.Receive, CaseFixture.SubmittedCase()), CaseFixture.T0);
        Assert.Null(CaseNotifications.MessageFor(receive.State!, receive.Entry!, CaseFixture.Item, null));
    }
}
