namespace TongBan.Grains.Appointments;

/// <summary>Life cycle of an appointment: booked → checkedIn, or → cancelled / noShow / rescheduled (all final).</summary>
public enum AppointmentState
{
    /// <summary>已预约: holds a place in its slot.</summary>
    Booked,

    /// <summary>已签到: turned into a priority ticket; keeps its place.</summary>
    CheckedIn,

    /// <summary>已取消: place released.</summary>
    Cancelled,

    /// <summary>爽约: the check-in window closed without check-in; place released.</summary>
    NoShow,

    /// <summary>已改约: replaced by another appointment (<see cref="AppointmentEntry.RescheduledTo"/>); place released.</summary>
    Rescheduled,
}

/// <summary>Persisted state of one hall × day appointment book (storage name "appointments").</summary>
[GenerateSerializer]
public sealed class AppointmentBookState
{
    /// <summary>Last sequence number handed out; ids are never reused, also after a cancellation.</summary>
    [Id(0)]
    public int LastSeq { get; set; }

    [Id(1)]
    public List<AppointmentEntry> Appointments { get; set; } = [];

    /// <summary>Idempotency-Key of a booking → the appointment it created and a fingerprint of the request.</summary>
    [Id(2)]
    public Dictionary<string, BookingKey> BookingKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The check-in deadline the no-show reminder is registered for; null when none is registered.</summary>
    [Id(3)]
    public DateTimeOffset? ReminderDue { get; set; }

    /// <summary>The state each appointment was last reported with to its applicant's index (<see cref="IApplicantAppointmentsGrain"/>).</summary>
    [Id(4)]
    public Dictionary<string, AppointmentState> Indexed { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The state each appointment's notifications were last handed to the outbox for (confirmation, cancellation).</summary>
    [Id(5)]
    public Dictionary<string, AppointmentState> Notified { get; set; } = new(StringComparer.Ordinal);
}

[GenerateSerializer]
public sealed record BookingKey([property: Id(0)] string AppointmentId, [property: Id(1)] string Fingerprint);

/// <summary>One appointment in its book. Times are Asia/Shanghai (+08:00).</summary>
[GenerateSerializer]
public sealed class AppointmentEntry
{
    [Id(0)] public string Id { get; set; } = string.Empty;
    [Id(1)] public int Seq { get; set; }
    [Id(2)] public string Category { get; set; } = string.Empty;
    [Id(3)] public string ItemCode { get; set; } = string.Empty;
    [Id(4)] public DateTimeOffset SlotStart { get; set; }
    [Id(5)] public DateTimeOffset SlotEnd { get; set; }
    [Id(6)] public ApplicantRecord Applicant { get; set; } = null!;
    [Id(7)] public AppointmentState State { get; set; }
    [Id(8)] public DateTimeOffset BookedAt { get; set; }

    /// <summary>Who booked: "citizen", "clerk:{sub}", "hallManager:{sub}", "admin:{sub}" (never an ID number).</summary>
    [Id(9)] public string BookedBy { get; set; } = string.Empty;
    [Id(10)] public DateTimeOffset? CheckedInAt { get; set; }
    [Id(11)] public string? TicketNo { get; set; }
    [Id(12)] public DateTimeOffset? CancelledAt { get; set; }
    [Id(13)] public DateTimeOffset? NoShowAt { get; set; }
    [Id(14)] public string? RescheduledTo { get; set; }
    [Id(15)] public string? RescheduledFrom { get; set; }

    /// <summary>Wrong kiosk proofs so far; at <see cref="AppointmentOptions.MaxProofFailures"/> the kiosk way is locked.</summary>
    [Id(16)] public int FailedProofs { get; set; }
    [Id(17)] public string? CancelledBy { get; set; }

    public bool HoldsPlace => State is AppointmentState.Booked or AppointmentState.CheckedIn;
}

/// <summary>An appointment as callers see it. <see cref="ApplicantIdHash"/> is for ownership checks and never leaves the API.</summary>
[GenerateSerializer, Immutable]
public sealed record AppointmentDetails(
    [property: Id(0)] string AppointmentId,
    [property: Id(1)] string HallCode,
    [property: Id(2)] DateOnly Date,
    [property: Id(3)] string Category,
    [property: Id(4)] string ItemCode,
    [property: Id(5)] DateTimeOffset SlotStart,
    [property: Id(6)] DateTimeOffset SlotEnd,
    [property: Id(7)] AppointmentState State,
    [property: Id(8)] string ApplicantName,
    [property: Id(9)] string ApplicantPhone,
    [property: Id(10)] string ApplicantIdHash,
    [property: Id(11)] DateTimeOffset BookedAt,
    [property: Id(12)] DateTimeOffset CheckInOpensAt,
    [property: Id(13)] DateTimeOffset CheckInClosesAt,
    [property: Id(14)] DateTimeOffset? CheckedInAt,
    [property: Id(15)] string? TicketNo,
    [property: Id(16)] DateTimeOffset? CancelledAt,
    [property: Id(17)] DateTimeOffset? NoShowAt,
    [property: Id(18)] string? RescheduledTo,
    [property: Id(19)] string? RescheduledFrom);

/// <summary>A slot of one category with its figures (<c>GET …/appointments/slots</c>).</summary>
/// <param name="Booked">Places held (booked or checked in); cancelled, rescheduled and no-show bookings do not count.</param>
/// <param name="Bookable">False once the slot has started, or when full.</param>
[GenerateSerializer, Immutable]
public sealed record SlotView(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] DateTimeOffset End,
    [property: Id(2)] int Capacity,
    [property: Id(3)] int Booked,
    [property: Id(4)] bool Bookable);

/// <summary>A booking request as the book receives it: the applicant is already masked and hashed.</summary>
/// <param name="Actor">Who books, for the record: role and subject, never an ID number.</param>
/// <param name="RescheduledFrom">Set when this booking replaces one in another day's book.</param>
[GenerateSerializer, Immutable]
public sealed record BookingRequest(
    [property: Id(0)] string Category,
    [property: Id(1)] string ItemCode,
    [property: Id(2)] TimeOnly Start,
    [property: Id(3)] ApplicantRecord Applicant,
    [property: Id(4)] string Actor,
    [property: Id(5)] string? IdempotencyKey = null,
    [property: Id(6)] string? RescheduledFrom = null);

/// <summary>Today's figures for the hall dashboard.</summary>
/// <param name="Today">Appointments of the day holding a place (booked or checked in).</param>
/// <param name="NextHour">Booked, not yet checked in, still able to check in, and starting within the next hour.</param>
[GenerateSerializer, Immutable]
public sealed record BookFigures([property: Id(0)] int Today, [property: Id(1)] int NextHour);
