using TongBan.Grains.Appointments;

namespace TongBan.Api.Endpoints;

/// <summary>临时闭厅 and bookings: a closure cancels every booking still standing on its days (issue 17).</summary>
public static class AppointmentClosure
{
    /// <summary>
    /// Asks each day's book from <paramref name="from"/> (not before today) to <paramref name="to"/> (not beyond the booking
    /// horizon, where no booking can exist) to cancel its bookings; each book tells its applicants after its write.
    /// Idempotent: setting the closure again cancels nothing more.
    /// </summary>
    public static async Task<int> CancelAsync(IGrainFactory grains, string hallCode, DateOnly from, DateOnly to, DateOnly today, int horizonDays)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var first = from < today ? today : from;
        var last = to > today.AddDays(horizonDays) ? today.AddDays(horizonDays) : to;
        var cancelled = 0;
        for (var day = first; day <= last; day = day.AddDays(1))
        {
            cancelled += await grains.GetGrain<IAppointmentBookGrain>(AppointmentBookKeys.Of(hallCode, day)).CancelForClosure();
        }

        return cancelled;
    }
}
