using TongBan.Grains.Queues;

namespace TongBan.Grains.Appointments;

/// <summary>An appointment that was checked in, with the ticket the queue issued for it.</summary>
[GenerateSerializer, Immutable]
public sealed record CheckInReceipt([property: Id(0)] AppointmentDetails Appointment, [property: Id(1)] TicketStatus Ticket);

/// <summary>
/// One hall's appointment book for one day (预约簿), keyed <c>{hallCode}/{yyyy-MM-dd}</c> (<see cref="AppointmentBookKeys"/>).
/// All appointments of the day live in this activation, so two citizens booking the last place at once are served one
/// after the other. Every accepted change is written to storage before it is answered; a reminder releases no-shows.
/// </summary>
public interface IAppointmentBookGrain : IGrainWithStringKey
{
    Task<AppointmentResult<IReadOnlyList<SlotView>>> GetSlots(string category);

    /// <summary>预约; idempotent by <see cref="BookingRequest.IdempotencyKey"/>.</summary>
    Task<AppointmentResult<AppointmentDetails>> Book(BookingRequest request);

    Task<AppointmentResult<AppointmentDetails>> Get(string appointmentId);

    /// <summary>取消; cancelling again answers the same.</summary>
    Task<AppointmentResult<AppointmentDetails>> Cancel(string appointmentId, string actor);

    /// <summary>临时闭厅: the hall closes this day; every booking still standing is cancelled (and its applicant told). Idempotent; returns how many were cancelled now.</summary>
    Task<int> CancelForClosure();

    /// <summary>改约 to another slot of the same day; a retry answers the same replacement.</summary>
    Task<AppointmentResult<AppointmentDetails>> RescheduleWithinDay(string appointmentId, TimeOnly newStart, string actor);

    /// <summary>Second half of a reschedule to another day (see <see cref="AppointmentRescheduler"/>): releases this one.</summary>
    Task<AppointmentResult<AppointmentDetails>> MarkRescheduled(string appointmentId, string newAppointmentId);

    /// <summary>
    /// 签到: turns the booking into an appointment ticket of its category's queue. Checking in again returns the same
    /// ticket (the queue is asked with the same idempotency key). <paramref name="phoneLast4"/> is the kiosk proof; null
    /// when the caller is already known to be the applicant or hall staff.
    /// </summary>
    Task<AppointmentResult<CheckInReceipt>> CheckIn(string appointmentId, string? phoneLast4);

    Task<BookFigures> GetFigures();
}
