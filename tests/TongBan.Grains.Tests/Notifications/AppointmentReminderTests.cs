using TongBan.Grains.Identity;
using TongBan.Grains.Notifications;

namespace TongBan.Grains.Tests.Notifications;

/// <summary>An appointment's reminders: the day before at 18:00 and 30 minutes before check-in opens, only while still ahead.</summary>
[Trait("Category", "Unit")]
public class AppointmentReminderTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);
    private static readonly DateTimeOffset Slot = new(2026, 12, 9, 10, 0, 0, China);

    [Fact]
    public void Both_reminders_while_booked_two_days_ahead()
    {
        var reminders = AppointmentNotifications.Reminders(Slot, TimeSpan.FromMinutes(30), new DateTimeOffset(2026, 12, 7, 9, 0, 0, China));
        Assert.Equal(
            [(NotificationTemplates.AppointmentReminderDayBefore, new DateTimeOffset(2026, 12, 8, 18, 0, 0, China)), (NotificationTemplates.AppointmentReminderSoon, new DateTimeOffset(2026, 12, 9, 9, 0, 0, China))],
            reminders);
    }

    [Fact]
    public void A_moment_already_passed_is_skipped()
    {
        Assert.Equal([NotificationTemplates.AppointmentReminderSoon],
            AppointmentNotifications.Reminders(Slot, TimeSpan.FromMinutes(30), new DateTimeOffset(2026, 12, 8, 19, 0, 0, China)).Select(r => r.Template));
        Assert.Empty(AppointmentNotifications.Reminders(Slot, TimeSpan.FromMinutes(30), new DateTimeOffset(2026, 12, 9, 9, 0, 0, China)));
    }

    [Fact]
    public void Reminder_entries_wait_for_their_moment_and_carry_no_ID_number()
    {
        var protector = new PersonalDataProtector(PrivacyOptions.Development());
        var contact = new AppointmentContact(new NotificationConsent([NotificationChannel.Sms]), protector.Hash.OfMobile("13900007777"), "139****7777", protector.SealText("13900007777"));
        var entries = AppointmentNotifications.ReminderEntries("AP1", "南明区政务服务中心", Slot, TimeSpan.FromMinutes(30), new DateTimeOffset(2026, 12, 7, 9, 0, 0, China), contact, protector);
        Assert.Equal(2, entries.Count);
        Assert.Equal(["appointment:AP1:remind:appointmentReminderDayBefore", "appointment:AP1:remind:appointmentReminderSoon"], entries.Select(e => e.EventId));
        Assert.Equal(new DateTimeOffset(2026, 12, 9, 9, 0, 0, China), entries[1].NotBefore);
        Assert.Equal("提醒：您今天10:00在南明区政务服务中心的预约30分钟后开始签到，请按时到达（12月9日）。", NotificationTemplates.Render(entries[1].Template, entries[1].Parameters));
        Assert.Empty(AppointmentNotifications.ReminderEntries("AP1", "h", Slot, TimeSpan.FromMinutes(30), Slot.AddDays(-2), null, protector));
    }
}
