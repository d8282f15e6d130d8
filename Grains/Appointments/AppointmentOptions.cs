using TongBan.Grains.Common;

namespace TongBan.Grains.Appointments;

/// <summary>
/// Configuration section <c>TongBan:Appointments</c>: the tunable parts of the 预约 rules (see APPOINTMENT_RULES.md).
/// Configuration, not state: a changed setting applies to books that already hold appointments, except that a
/// booked slot keeps the start and end it was booked with.
/// </summary>
public sealed class AppointmentOptions
{
    public const string Section = "TongBan:Appointments";

    /// <summary>Slot length in minutes; slots are cut from each opening session and never span the lunch break.</summary>
    public int SlotMinutes { get; set; } = 30;

    /// <summary>Check-in (签到) opens this long before the slot start …</summary>
    public TimeSpan CheckInBefore { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>… and closes this long after it; a booking not checked in by then is a no-show (爽约) and frees its place.</summary>
    public TimeSpan CheckInAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How many days ahead a slot may be booked (today counts as day 0).</summary>
    public int HorizonDays { get; set; } = 14;

    /// <summary>Appointments per serving window per slot; the rest of each window's time is left for walk-ins.</summary>
    public int PerWindowPerSlot { get; set; } = 1;

    /// <summary>Wrong phone digits tolerated at an anonymous kiosk check-in before that way is locked for the appointment.</summary>
    public int MaxProofFailures { get; set; } = 5;

    /// <summary>
    /// Test only: shifts the clock appointment books read, so a test can stand "just before a slot" on any real
    /// day and still let reminders fire in real time. Zero in production; the host warns when it is set.
    /// </summary>
    public TimeSpan TestClockOffset { get; set; }

    public void Validate()
    {
        if (SlotMinutes is < 5 or > 240)
        {
            throw new ArgumentOutOfRangeException(nameof(SlotMinutes), SlotMinutes, $"{Section}:SlotMinutes must be between 5 and 240.");
        }

        if (CheckInBefore < TimeSpan.Zero || CheckInBefore > TimeSpan.FromHours(4))
        {
            throw new ArgumentOutOfRangeException(nameof(CheckInBefore), CheckInBefore, $"{Section}:CheckInBefore must be between 0 and 4 hours.");
        }

        if (CheckInAfter < TimeSpan.Zero || CheckInAfter > TimeSpan.FromHours(4))
        {
            throw new ArgumentOutOfRangeException(nameof(CheckInAfter), CheckInAfter, $"{Section}:CheckInAfter must be between 0 and 4 hours.");
        }

        if (HorizonDays is < 0 or > 90)
        {
            throw new ArgumentOutOfRangeException(nameof(HorizonDays), HorizonDays, $"{Section}:HorizonDays must be between 0 and 90.");
        }

        if (PerWindowPerSlot is < 1 or > 20)
        {
            throw new ArgumentOutOfRangeException(nameof(PerWindowPerSlot), PerWindowPerSlot, $"{Section}:PerWindowPerSlot must be between 1 and 20.");
        }

        if (MaxProofFailures is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxProofFailures), MaxProofFailures, $"{Section}:MaxProofFailures must be between 1 and 100.");
        }
    }
}

/// <summary>
/// The clock appointment books read: the silo's <see cref="TimeProvider"/> plus <see cref="AppointmentOptions.TestClockOffset"/>.
/// A separate type rather than the silo-wide provider, so shifting it for a test moves only the appointment
/// rules and never Orleans' own timekeeping (membership, reminder ticks) or the queues.
/// </summary>
public sealed class AppointmentClock(TimeProvider inner, TimeSpan offset) : ShiftedClock(inner, offset)
{
    public AppointmentClock(TimeProvider inner)
        : this(inner, TimeSpan.Zero)
    {
    }
}
