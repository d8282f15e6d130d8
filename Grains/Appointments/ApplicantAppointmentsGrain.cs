using TongBan.Grains.Common;

namespace TongBan.Grains.Appointments;

/// <summary>
/// Index of one applicant's appointments across halls and days, keyed by the applicant's appointment hash
/// (<c>h1:</c> + the case applicant key, <see cref="ApplicantHasher.FromCaseKey"/>), so the 12345 caller look-up finds
/// bookings with the same hash as cases. Kept current by the appointment books (an idempotent upsert per change).
/// </summary>
public interface IApplicantAppointmentsGrain : IGrainWithStringKey
{
    Task Upsert(AppointmentDetails appointment);

    /// <summary>Newest slot first.</summary>
    Task<IReadOnlyList<AppointmentDetails>> List();
}

[GenerateSerializer]
public sealed class ApplicantAppointmentsState
{
    [Id(0)]
    public List<AppointmentDetails> Appointments { get; set; } = [];
}

/// <remarks>Non-reentrant: upserts from several halls' books are applied one at a time. Holds at most <see cref="MaxKept"/> appointments (the latest slots).</remarks>
public sealed class ApplicantAppointmentsGrain(
    [PersistentState("applicantappointments", StorageNames.Default)] IPersistentState<ApplicantAppointmentsState> state) : Grain, IApplicantAppointmentsGrain
{
    public const int MaxKept = 100;

    public async Task Upsert(AppointmentDetails appointment)
    {
        ArgumentNullException.ThrowIfNull(appointment);
        var list = state.State.Appointments;
        var index = list.FindIndex(a => a.AppointmentId == appointment.AppointmentId);
        if (index >= 0 && list[index] == appointment)
        {
            return;
        }

        if (index >= 0)
        {
            list[index] = appointment;
        }
        else
        {
            list.Add(appointment);
        }

        state.State.Appointments = [.. list.OrderByDescending(a => a.SlotStart).ThenBy(a => a.AppointmentId, StringComparer.Ordinal).Take(MaxKept)];
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<AppointmentDetails>> List() => Task.FromResult<IReadOnlyList<AppointmentDetails>>([.. state.State.Appointments]);
}
