using TongBan.Grains.Appointments;
using TongBan.Grains.Tests.Support;

namespace TongBan.Grains.Tests.Appointments;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public class ApplicantAppointmentsGrainTests(ClusterFixture fixture)
{
    private static AppointmentDetails Appointment(string id, int hour, AppointmentState state = AppointmentState.Booked)
    {
        var start = new DateTimeOffset(2026, 12, 1, hour, 0, 0, TimeSpan.FromHours(8));
        return new AppointmentDetails(id, "520102-H001", new DateOnly(2026, 12, 1), "A", "ITEM-1", start, start.AddMinutes(30), state,
            "张*", "138****5678", "h1:index-test", start.AddDays(-1), start.AddMinutes(-30), start.AddMinutes(30), null, null, null, null, null, null);
    }

    [Fact]
    public async Task The_index_keeps_one_line_per_appointment_with_its_latest_state_newest_slot_first()
    {
        var index = fixture.Grains.GetGrain<IApplicantAppointmentsGrain>("h1:index-test");
        await index.Upsert(Appointment("A-1", 9));
        await index.Upsert(Appointment("A-2", 14));
        await index.Upsert(Appointment("A-1", 9)); // a repeated upsert (a book catching up) changes nothing
        await index.Upsert(Appointment("A-1", 9, AppointmentState.Cancelled));

        var listed = await index.List();
        Assert.Equal(["A-2", "A-1"], listed.Select(a => a.AppointmentId));
        Assert.Equal(AppointmentState.Cancelled, listed[1].State);
    }
}
