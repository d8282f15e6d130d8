namespace TongBan.Grains.Appointments;

/// <summary>
/// 改约: moves an appointment to another slot under the booking rules of the target day. Within one day the book does
/// it in one step. Across days two books are involved, and neither calls the other (two non-reentrant books calling
/// each other could deadlock), so the caller runs the steps: book the new slot (idempotent by a key derived from the old
/// id), then release the old one; if the old one lapsed or was checked in meanwhile, the new booking is cancelled again.
/// Every step can be retried: repeating the whole call after a failure converges on one replacement.
/// </summary>
public static class AppointmentRescheduler
{
    public static async Task<AppointmentResult<AppointmentDetails>> RescheduleAsync(
        IGrainFactory grains, string appointmentId, DateOnly newDate, TimeOnly newStart, string actor)
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (!AppointmentIds.TryParse(appointmentId, out var hallCode, out var date, out _))
        {
            return new AppointmentViolation(AppointmentViolationCode.InvalidRequest, $"'{appointmentId}' is not an appointment id.", "预约编号格式不正确");
        }

        var oldBook = grains.GetGrain<IAppointmentBookGrain>(AppointmentBookKeys.Of(hallCode, date));
        if (newDate == date)
        {
            return await oldBook.RescheduleWithinDay(appointmentId, newStart, actor);
        }

        var current = await oldBook.Get(appointmentId);
        if (!current.IsOk)
        {
            return current;
        }

        var old = current.Value!;
        if (old.State == AppointmentState.Rescheduled && old.RescheduledTo is { } to && AppointmentIds.TryParse(to, out _, out var toDate, out _))
        {
            // A retry after success: answer with the replacement if it is the one asked for.
            var replacement = await grains.GetGrain<IAppointmentBookGrain>(AppointmentBookKeys.Of(hallCode, toDate)).Get(to);
            if (replacement.IsOk && toDate == newDate && TimeOnly.FromDateTime(replacement.Value!.SlotStart.DateTime) == newStart)
            {
                return replacement;
            }
        }

        if (old.State != AppointmentState.Booked)
        {
            return new AppointmentViolation(AppointmentViolationCode.InvalidState,
                $"Appointment {old.AppointmentId} is {AppointmentBook.Wire(old.State)} and can no longer be rescheduled.",
                "预约当前状态不能改约", old.AppointmentId);
        }

        var newBook = grains.GetGrain<IAppointmentBookGrain>(AppointmentBookKeys.Of(hallCode, newDate));
        var booked = await newBook.Book(new BookingRequest(
            old.Category, old.ItemCode, newStart, new ApplicantRecord(old.ApplicantName, old.ApplicantPhone, old.ApplicantIdHash),
            actor, IdempotencyKey: "reschedule:" + appointmentId, RescheduledFrom: appointmentId));
        if (!booked.IsOk)
        {
            return booked;
        }

        var released = await oldBook.MarkRescheduled(appointmentId, booked.Value!.AppointmentId);
        if (!released.IsOk)
        {
            await newBook.Cancel(booked.Value.AppointmentId, actor);
            return released;
        }

        return booked;
    }
}
