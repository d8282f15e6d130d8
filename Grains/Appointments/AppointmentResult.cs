namespace TongBan.Grains.Appointments;

/// <summary>Why an appointment command was refused. The HTTP status each maps to is noted.</summary>
public enum AppointmentViolationCode
{
    /// <summary>Malformed input: bad slot start, empty applicant hash, over-long text (400).</summary>
    InvalidRequest,

    /// <summary>No such service point (404).</summary>
    UnknownHall,

    /// <summary>The hall has no such queue category (404).</summary>
    UnknownCategory,

    /// <summary>The point takes no appointments: 24h self-service, no windows, or no window serving the category (409).</summary>
    NoAppointments,

    /// <summary>The date is before today (400).</summary>
    DateInPast,

    /// <summary>The date is beyond the booking horizon (400).</summary>
    BeyondHorizon,

    /// <summary>The hall is closed that day: weekend without a Saturday session, or an official holiday (409).</summary>
    HallClosed,

    /// <summary>The start is not one of the day's slots (400).</summary>
    NotASlot,

    /// <summary>The slot has started or passed: it can no longer be booked (409).</summary>
    SlotPast,

    /// <summary>All places of the slot for the category are taken (409).</summary>
    SlotFull,

    /// <summary>The applicant already holds an active booking for the item that day (409).</summary>
    DuplicateBooking,

    /// <summary>The idempotency key was used for a different booking (409).</summary>
    IdempotencyKeyConflict,

    /// <summary>No such appointment, or the kiosk proof did not match (404, one answer for both).</summary>
    UnknownAppointment,

    /// <summary>The appointment's state does not allow the command, e.g. cancelling after check-in (409).</summary>
    InvalidState,

    /// <summary>Check-in before the window opens (409).</summary>
    CheckInTooEarly,

    /// <summary>Check-in after the window closed (409).</summary>
    CheckInTooLate,

    /// <summary>The queue refused the ticket (409).</summary>
    QueueRefused,
}

/// <summary>A refused command: a machine code and a specific reason in English and Chinese.</summary>
[GenerateSerializer, Immutable]
public sealed record AppointmentViolation(
    [property: Id(0)] AppointmentViolationCode Code,
    [property: Id(1)] string Message,
    [property: Id(2)] string MessageZh,
    [property: Id(3)] string? AppointmentId = null)
{
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>Outcome of an appointment command: a value, or an <see cref="AppointmentViolation"/> (expected outcomes, not exceptions).</summary>
[GenerateSerializer, Immutable]
public sealed record AppointmentResult<T>([property: Id(0)] T? Value, [property: Id(1)] AppointmentViolation? Violation)
{
    public bool IsOk => Violation is null;

    /// <summary>The value; throws if the command was refused (for tests and callers that prefer exceptions).</summary>
    public T Ok => Violation is null ? Value! : throw new InvalidOperationException(Violation.ToString());

    public static implicit operator AppointmentResult<T>(T value) => new(value, null);

    public static implicit operator AppointmentResult<T>(AppointmentViolation violation) => new(default, violation);
}
