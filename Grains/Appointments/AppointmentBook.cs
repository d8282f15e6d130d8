using System.Text.RegularExpressions;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;

namespace TongBan.Grains.Appointments;

/// <summary>
/// The booking rules of one hall × day book over its <see cref="AppointmentBookState"/> (pure: no Orleans, the
/// caller passes the time, the hall profile and the day plan). The grain persists what these methods change.
/// See APPOINTMENT_RULES.md.
/// </summary>
public sealed partial class AppointmentBook(AppointmentBookState state, string hallCode, DateOnly date, AppointmentOptions options)
{
    public const int MaxItemCodeLength = 64;
    public const int MaxIdempotencyKeyLength = 200;
    public const int MaxActorLength = 120;

    [GeneratedRegex("^[A-Za-z0-9]{1,8}$")]
    private static partial Regex CategoryShape();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex ItemCodeShape();

    public string HallCode => hallCode;

    public DateOnly Date => date;

    public AppointmentBookState State => state;

    public static bool IsCategoryShape(string? category) => category is not null && CategoryShape().IsMatch(category);

    public static bool IsItemCodeShape(string? itemCode) => itemCode is not null && ItemCodeShape().IsMatch(itemCode);

    /// <summary>爽约: every booked appointment whose check-in window has closed becomes a no-show and frees its place.</summary>
    /// <returns>The appointments changed now.</returns>
    public IReadOnlyList<AppointmentEntry> ApplyNoShows(DateTimeOffset now)
    {
        var changed = new List<AppointmentEntry>();
        foreach (var a in state.Appointments)
        {
            if (a.State == AppointmentState.Booked && CheckInWindow.HasClosed(a.SlotStart, now, options))
            {
                a.State = AppointmentState.NoShow;
                a.NoShowAt = Local(now);
                changed.Add(a);
            }
        }

        return changed;
    }

    /// <summary>The earliest check-in deadline still pending (the no-show reminder's next due time), or null.</summary>
    public DateTimeOffset? NextDeadline() =>
        state.Appointments.Where(a => a.State == AppointmentState.Booked)
            .Select(a => (DateTimeOffset?)CheckInWindow.Closes(a.SlotStart, options))
            .Min();

    public BookFigures Figures(DateTimeOffset now)
    {
        var today = state.Appointments.Count(a => a.HoldsPlace);
        var nextHour = state.Appointments.Count(a =>
            a.State == AppointmentState.Booked && a.SlotStart < now + TimeSpan.FromHours(1) && !CheckInWindow.HasClosed(a.SlotStart, now, options));
        return new BookFigures(today, nextHour);
    }

    /// <summary>The day's slots of one category with their figures.</summary>
    public AppointmentResult<IReadOnlyList<SlotView>> Slots(ServicePoint point, DayPlan plan, string category, DateTimeOffset now)
    {
        if (CheckCategoryAndDay(point, plan, category, now) is { } refused)
        {
            return refused;
        }

        var capacity = SlotPlanner.Capacity(point, category, options.PerWindowPerSlot);
        return plan.Slots.Select(s =>
        {
            var start = At(s.Start);
            var booked = Held(category, start);
            return new SlotView(start, At(s.End), capacity, booked, start > now && booked < capacity);
        }).ToList();
    }

    /// <summary>
    /// 预约: books a place, or — for a retried request with the same idempotency key — returns the appointment booked then.
    /// </summary>
    /// <param name="replacing">The appointment of this book that the new one replaces (改约), left out of the duplicate rule.</param>
    public AppointmentResult<AppointmentDetails> Book(ServicePoint point, DayPlan plan, BookingRequest request, DateTimeOffset now, string? replacing = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (CheckRequestShape(request) is { } malformed)
        {
            return malformed;
        }

        if (plan.Status == DayStatus.NoAppointments)
        {
            return Violation(AppointmentViolationCode.NoAppointments, plan.Reason, plan.ReasonZh);
        }

        if (!point.Categories.Any(c => c.Code == request.Category))
        {
            return Violation(AppointmentViolationCode.UnknownCategory, $"{hallCode} has no queue category '{request.Category}'.", $"该大厅没有“{request.Category}”类业务");
        }

        var fingerprint = $"{request.Category}|{request.ItemCode}|{request.Start:HH\\:mm}|{request.Applicant.IdHash}|{request.RescheduledFrom}";
        if (request.IdempotencyKey is { } key && state.BookingKeys.TryGetValue(key, out var earlier))
        {
            return earlier.Fingerprint == fingerprint && Find(earlier.AppointmentId) is { } booked
                ? Details(booked)
                : Violation(AppointmentViolationCode.IdempotencyKeyConflict,
                    "This Idempotency-Key was already used for a different booking; use a new key for a new request.",
                    "该幂等键已用于另一笔预约，新的请求请使用新的幂等键");
        }

        if (CheckCategoryAndDay(point, plan, request.Category, now) is { } refused)
        {
            return refused;
        }

        if (plan.Find(request.Start) is not { } slot)
        {
            return Violation(AppointmentViolationCode.NotASlot,
                $"{request.Start:HH\\:mm} is not a slot start on {date:yyyy-MM-dd}; slots start at {string.Join(", ", plan.Slots.Select(s => s.Start.ToString("HH\\:mm", null)))}.",
                $"{request.Start:HH\\:mm}不是可预约时段的开始时间");
        }

        var start = At(slot.Start);
        if (start <= now)
        {
            return Violation(AppointmentViolationCode.SlotPast, $"The {slot.Start:HH\\:mm} slot on {date:yyyy-MM-dd} has already started and can no longer be booked.", "该时段已开始，不能再预约");
        }

        var duplicate = state.Appointments.FirstOrDefault(a =>
            a.HoldsPlace && a.Id != replacing && a.ItemCode == request.ItemCode && ApplicantHasher.SameHash(a.Applicant.IdHash, request.Applicant.IdHash));
        if (duplicate is not null)
        {
            return Violation(AppointmentViolationCode.DuplicateBooking,
                $"The applicant already holds appointment {duplicate.Id} for item {request.ItemCode} on {date:yyyy-MM-dd} (one active booking per item per day).",
                "同一申请人同一事项每天只能有一个有效预约", duplicate.Id);
        }

        var capacity = SlotPlanner.Capacity(point, request.Category, options.PerWindowPerSlot);
        if (Held(request.Category, start) >= capacity)
        {
            return Violation(AppointmentViolationCode.SlotFull,
                $"The {slot.Start:HH\\:mm} slot of category {request.Category} on {date:yyyy-MM-dd} is full ({capacity} of {capacity} booked).",
                "该时段预约已满，请选择其他时段");
        }

        var seq = ++state.LastSeq;
        var entry = new AppointmentEntry
        {
            Id = AppointmentIds.Make(hallCode, date, seq),
            Seq = seq,
            Category = request.Category,
            ItemCode = request.ItemCode,
            SlotStart = start,
            SlotEnd = At(slot.End),
            Applicant = request.Applicant,
            State = AppointmentState.Booked,
            BookedAt = Local(now),
            BookedBy = request.Actor,
            RescheduledFrom = request.RescheduledFrom,
        };
        state.Appointments.Add(entry);
        if (request.IdempotencyKey is { } newKey)
        {
            state.BookingKeys[newKey] = new BookingKey(entry.Id, fingerprint);
        }

        return Details(entry);
    }

    /// <summary>取消: frees the place. Cancelling a cancelled appointment again answers the same (a retried DELETE).</summary>
    public AppointmentResult<AppointmentDetails> Cancel(string appointmentId, string actor, DateTimeOffset now)
    {
        if (Find(appointmentId) is not { } a)
        {
            return Unknown(appointmentId);
        }

        switch (a.State)
        {
            case AppointmentState.Cancelled:
                return Details(a);
            case AppointmentState.Booked:
                a.State = AppointmentState.Cancelled;
                a.CancelledAt = Local(now);
                a.CancelledBy = Truncate(actor, MaxActorLength);
                return Details(a);
            default:
                return NotInState(a, "cancelled", "取消");
        }
    }

    /// <summary>改约 within this day: books the new slot under the same rules and releases the old one, in one step.</summary>
    public AppointmentResult<AppointmentDetails> Reschedule(ServicePoint point, DayPlan plan, string appointmentId, TimeOnly newStart, string actor, DateTimeOffset now)
    {
        if (Find(appointmentId) is not { } old)
        {
            return Unknown(appointmentId);
        }

        if (old.State == AppointmentState.Rescheduled && old.RescheduledTo is { } to && Find(to) is { } replacement &&
            TimeOnly.FromDateTime(replacement.SlotStart.DateTime) == newStart)
        {
            return Details(replacement); // a retried reschedule
        }

        if (old.State != AppointmentState.Booked)
        {
            return NotInState(old, "rescheduled", "改约");
        }

        if (TimeOnly.FromDateTime(old.SlotStart.DateTime) == newStart)
        {
            return Details(old);
        }

        var booked = Book(point, plan, new BookingRequest(old.Category, old.ItemCode, newStart, old.Applicant, actor, null, old.Id), now, replacing: old.Id);
        if (booked.IsOk)
        {
            old.State = AppointmentState.Rescheduled;
            old.RescheduledTo = booked.Value!.AppointmentId;
        }

        return booked;
    }

    /// <summary>The second half of a reschedule to another day: the new booking exists there, this one is released.</summary>
    public AppointmentResult<AppointmentDetails> MarkRescheduled(string appointmentId, string newAppointmentId)
    {
        if (Find(appointmentId) is not { } a)
        {
            return Unknown(appointmentId);
        }

        if (a.State == AppointmentState.Rescheduled && a.RescheduledTo == newAppointmentId)
        {
            return Details(a);
        }

        if (a.State != AppointmentState.Booked)
        {
            return NotInState(a, "rescheduled", "改约");
        }

        a.State = AppointmentState.Rescheduled;
        a.RescheduledTo = newAppointmentId;
        return Details(a);
    }

    /// <summary>
    /// The kiosk proof (last four phone digits). A wrong proof counts against the appointment; after
    /// <see cref="AppointmentOptions.MaxProofFailures"/> the kiosk way is locked (a clerk can still check in).
    /// Unknown, locked and wrong all give the same answer, so the kiosk cannot be used to probe ids.
    /// </summary>
    /// <returns>Null when the proof matches; otherwise the refusal, and whether the failure count changed.</returns>
    public (AppointmentViolation? Refused, bool Changed) VerifyProof(string appointmentId, string phoneLast4)
    {
        if (Find(appointmentId) is not { } a || a.FailedProofs >= options.MaxProofFailures)
        {
            return (UnknownOrProof(appointmentId), false);
        }

        if (phoneLast4.Length == 4 && string.Equals(a.Applicant.PhoneLast4, phoneLast4, StringComparison.Ordinal))
        {
            return (null, false);
        }

        a.FailedProofs++;
        return (UnknownOrProof(appointmentId), true);
    }

    /// <summary>签到, first half: whether <paramref name="appointmentId"/> may be checked in now (already checked in: yes, again).</summary>
    public AppointmentResult<AppointmentEntry> CanCheckIn(string appointmentId, DateTimeOffset now)
    {
        if (Find(appointmentId) is not { } a)
        {
            return Unknown(appointmentId);
        }

        if (a.State == AppointmentState.CheckedIn)
        {
            return a;
        }

        var opens = CheckInWindow.Opens(a.SlotStart, options);
        var closes = CheckInWindow.Closes(a.SlotStart, options);
        if (a.State == AppointmentState.NoShow || (a.State == AppointmentState.Booked && CheckInWindow.Evaluate(a.SlotStart, now, options) == CheckInTiming.TooLate))
        {
            return Violation(AppointmentViolationCode.CheckInTooLate,
                $"Check-in for {a.Id} closed at {closes:yyyy-MM-dd HH:mm}; the booking lapsed as a no-show. Take a walk-in ticket instead.",
                $"签到已于{closes:HH:mm}截止，预约已失效，请现场取号", a.Id);
        }

        if (a.State != AppointmentState.Booked)
        {
            return NotInState(a, "checked in", "签到");
        }

        if (CheckInWindow.Evaluate(a.SlotStart, now, options) == CheckInTiming.TooEarly)
        {
            return Violation(AppointmentViolationCode.CheckInTooEarly,
                $"Check-in for {a.Id} opens at {opens:yyyy-MM-dd HH:mm} ({options.CheckInBefore.TotalMinutes:0} minutes before the {a.SlotStart:HH:mm} slot) and closes at {closes:HH:mm}.",
                $"请于{opens:HH:mm}至{closes:HH:mm}之间签到", a.Id);
        }

        return a;
    }

    /// <summary>签到, second half: the queue issued <paramref name="ticketNo"/>.</summary>
    public AppointmentDetails CompleteCheckIn(AppointmentEntry entry, string ticketNo, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.State != AppointmentState.CheckedIn)
        {
            entry.State = AppointmentState.CheckedIn;
            entry.CheckedInAt = Local(now);
            entry.TicketNo = ticketNo;
        }

        return Details(entry);
    }

    public AppointmentResult<AppointmentDetails> Get(string appointmentId) =>
        Find(appointmentId) is { } a ? Details(a) : Unknown(appointmentId);

    public AppointmentEntry? Find(string appointmentId) => state.Appointments.Find(a => a.Id == appointmentId);

    public AppointmentDetails Details(AppointmentEntry a) => new(
        a.Id, hallCode, date, a.Category, a.ItemCode, a.SlotStart, a.SlotEnd, a.State,
        a.Applicant.MaskedName, a.Applicant.MaskedPhone, a.Applicant.IdHash, a.BookedAt,
        CheckInWindow.Opens(a.SlotStart, options), CheckInWindow.Closes(a.SlotStart, options),
        a.CheckedInAt, a.TicketNo, a.CancelledAt, a.NoShowAt, a.RescheduledTo, a.RescheduledFrom);

    /// <summary>The request's own shape; the API checks the same before hashing, the book checks again as the authority.</summary>
    private static AppointmentViolation? CheckRequestShape(BookingRequest request)
    {
        if (!IsCategoryShape(request.Category))
        {
            return Invalid("category must be 1 to 8 letters or digits, e.g. A.", "业务类别格式不正确");
        }

        if (!IsItemCodeShape(request.ItemCode))
        {
            return Invalid($"itemCode must be 1 to {MaxItemCodeLength} letters, digits, '.', '_' or '-'.", "事项编码格式不正确");
        }

        if (request.Applicant is null || string.IsNullOrWhiteSpace(request.Applicant.IdHash) || request.Applicant.IdHash.Length > 100 ||
            string.IsNullOrEmpty(request.Applicant.MaskedName) || request.Applicant.MaskedName.Length > ApplicantRules.MaxNameLength ||
            request.Applicant.MaskedPhone.Length is < 7 or > 16)
        {
            return Invalid("applicant is missing or malformed.", "申请人信息不完整");
        }

        if (request.IdempotencyKey is { Length: 0 or > MaxIdempotencyKeyLength })
        {
            return Invalid($"Idempotency-Key must have 1 to {MaxIdempotencyKeyLength} characters.", "幂等键长度不正确");
        }

        if (string.IsNullOrEmpty(request.Actor) || request.Actor.Length > MaxActorLength)
        {
            return Invalid("actor is missing or too long.", "操作人信息不正确");
        }

        return null;
    }

    private AppointmentViolation? CheckCategoryAndDay(ServicePoint point, DayPlan plan, string category, DateTimeOffset now)
    {
        if (!IsCategoryShape(category))
        {
            return Invalid("category must be 1 to 8 letters or digits, e.g. A.", "业务类别格式不正确");
        }

        // A point that takes no appointments says so, whatever the category asked for.
        if (plan.Status == DayStatus.NoAppointments)
        {
            return Violation(AppointmentViolationCode.NoAppointments, plan.Reason, plan.ReasonZh);
        }

        if (!point.Categories.Any(c => c.Code == category))
        {
            return Violation(AppointmentViolationCode.UnknownCategory, $"{hallCode} has no queue category '{category}'.", $"该大厅没有“{category}”类业务");
        }

        var today = DateOnly.FromDateTime(Local(now).DateTime);
        if (date < today)
        {
            return Violation(AppointmentViolationCode.DateInPast, $"{date:yyyy-MM-dd} is in the past (today is {today:yyyy-MM-dd}).", "预约日期已过");
        }

        if (date > today.AddDays(options.HorizonDays))
        {
            return Violation(AppointmentViolationCode.BeyondHorizon,
                $"Appointments open {options.HorizonDays} days ahead: the last bookable date now is {today.AddDays(options.HorizonDays):yyyy-MM-dd}.",
                $"仅可预约{options.HorizonDays}天内的时段");
        }

        if (plan.Status == DayStatus.Closed)
        {
            return Violation(AppointmentViolationCode.HallClosed, plan.Reason, plan.ReasonZh);
        }

        if (SlotPlanner.Capacity(point, category, options.PerWindowPerSlot) == 0)
        {
            return Violation(AppointmentViolationCode.NoAppointments, $"No window of {hallCode} serves category {category}: it takes no appointments.", "该类业务无服务窗口，不提供预约");
        }

        return null;
    }

    private int Held(string category, DateTimeOffset start) =>
        state.Appointments.Count(a => a.HoldsPlace && a.Category == category && a.SlotStart == start);

    private DateTimeOffset At(TimeOnly time) => new(date.ToDateTime(time), ChinaTime.Offset);

    private static DateTimeOffset Local(DateTimeOffset t) => t.ToOffset(ChinaTime.Offset);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    private static AppointmentViolation Invalid(string message, string zh) => new(AppointmentViolationCode.InvalidRequest, message, zh);

    private static AppointmentViolation Violation(AppointmentViolationCode code, string message, string zh, string? id = null) => new(code, message, zh, id);

    private static AppointmentViolation Unknown(string id) =>
        new(AppointmentViolationCode.UnknownAppointment, $"Appointment '{id}' does not exist.", "预约不存在", id);

    private static AppointmentViolation UnknownOrProof(string id) =>
        new(AppointmentViolationCode.UnknownAppointment, $"Appointment '{id}' does not exist or the verification does not match.", "预约不存在或验证信息不符", id);

    internal static AppointmentViolation NotInState(AppointmentEntry a, string action, string actionZh) =>
        new(AppointmentViolationCode.InvalidState,
            $"Appointment {a.Id} is {Wire(a.State)} and can no longer be {action}.",
            $"预约当前状态为{Zh(a.State)}，不能{actionZh}", a.Id);

    public static string Wire(AppointmentState s) => s switch
    {
        AppointmentState.Booked => "booked",
        AppointmentState.CheckedIn => "checkedIn",
        AppointmentState.Cancelled => "cancelled",
        AppointmentState.NoShow => "noShow",
        AppointmentState.Rescheduled => "rescheduled",
        _ => s.ToString(),
    };

    private static string Zh(AppointmentState s) => s switch
    {
        AppointmentState.Booked => "已预约",
        AppointmentState.CheckedIn => "已签到",
        AppointmentState.Cancelled => "已取消",
        AppointmentState.NoShow => "爽约",
        AppointmentState.Rescheduled => "已改约",
        _ => s.ToString(),
    };
}
