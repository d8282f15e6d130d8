namespace TongBan.Grains.Queues;

/// <summary>
/// Life-cycle state of a ticket inside one category queue. The first seven are the published
/// contract values (camelCase on the wire); <see cref="Parked"/> is internal to the hall.
/// </summary>
public enum TicketState
{
    /// <summary>等候 — in line, may be called.</summary>
    Waiting,

    /// <summary>已叫号 — announced to one window, citizen walking over.</summary>
    Called,

    /// <summary>办理中 — the window is serving the citizen.</summary>
    Serving,

    /// <summary>已办结 — service finished.</summary>
    Done,

    /// <summary>过号 — called and recalled, the citizen did not come.</summary>
    NoShow,

    /// <summary>已取消 — withdrawn by the citizen.</summary>
    Cancelled,

    /// <summary>已转出 — moved to another category's queue, which now owns it.</summary>
    Transferred,

    /// <summary>
    /// 挂起 — on hold (e.g. the citizen went to copy a missing document); never called until unparked.
    /// Not a contract value: the API should report it as <c>waiting</c> with no position.
    /// </summary>
    Parked,
}

/// <summary>How the ticket was obtained (contract values <c>walkIn</c>, <c>appointment</c>, <c>remote</c>, <c>kiosk</c>).</summary>
public enum TicketKind
{
    /// <summary>现场取号 at the reception desk.</summary>
    WalkIn,

    /// <summary>预约签到 — checked in for a booked slot.</summary>
    Appointment,

    /// <summary>远程取号 from the mobile app or portal.</summary>
    Remote,

    /// <summary>自助取号机.</summary>
    Kiosk,
}

/// <summary>
/// Priority class. The numeric value is the rank inside the priority lane (higher is called first).
/// <see cref="Appointment"/> is never declared by a request: it is earned by an appointment ticket
/// inside its slot window (see <see cref="QueueRules.AppointmentEarly"/>).
/// </summary>
public enum PriorityClass
{
    /// <summary>普通 — ordinary walk-in order.</summary>
    Normal = 0,

    /// <summary>帮办代办 — assisted service.</summary>
    Assisted = 1,

    /// <summary>预约 — an appointment inside its slot window.</summary>
    Appointment = 2,

    /// <summary>绿色通道 — elderly, disabled, pregnant: served first among priorities.</summary>
    GreenChannel = 3,
}
