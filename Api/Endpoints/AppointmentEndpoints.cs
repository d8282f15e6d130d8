using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using TongBan.Api.Security;
using TongBan.Grains.Appointments;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Notifications;

namespace TongBan.Api.Endpoints;

/// <summary>Applicant as a client sends it. The ID number and phone are hashed and masked before any grain sees them.</summary>
public sealed record ApplicantDto(string? Name, string? IdNumber, string? Phone);

/// <summary>Body of <c>POST /api/halls/{hallCode}/appointments</c>.</summary>
/// <param name="Date">Local date, <c>yyyy-MM-dd</c>.</param>
/// <param name="Start">Slot start: <c>HH:mm</c>, or the <c>start</c> of a listed slot (ISO-8601 with offset).</param>
public sealed record BookAppointmentRequest(string? Date, string? Start, string? Category, string? ItemCode, ApplicantDto? Applicant)
{
    /// <summary>Notification consent as for a case (<see cref="NotifyInput"/>); SMS needs the applicant's phone to be an 11-digit mainland mobile.</summary>
    public NotifyInput? Notify { get; init; }
}

/// <summary>Body of <c>PUT /api/halls/{hallCode}/appointments/{id}</c>: the new slot (category and item stay).</summary>
public sealed record RescheduleAppointmentRequest(string? Date, string? Start);

/// <summary>Body of <c>POST …/check-in</c>: anonymous kiosks prove the booking with the last four digits of the applicant's phone.</summary>
public sealed record CheckInRequest(string? PhoneLast4);

public sealed record SlotDto(DateTimeOffset Start, DateTimeOffset End, int Capacity, int Booked, bool Bookable);

public sealed record MaskedApplicantDto(string Name, string Phone);

/// <summary>An appointment, masked (张*, 138****5678): what the applicant and the hall's staff see.</summary>
public sealed record AppointmentDto(
    string AppointmentId, string HallCode, string Date, DateTimeOffset Start, DateTimeOffset End, string Category, string ItemCode,
    string State, MaskedApplicantDto Applicant, DateTimeOffset BookedAt, DateTimeOffset CheckInOpensAt, DateTimeOffset CheckInClosesAt,
    DateTimeOffset? CheckedInAt, string? TicketNo, DateTimeOffset? CancelledAt, DateTimeOffset? NoShowAt, string? RescheduledTo, string? RescheduledFrom)
{
    public static AppointmentDto From(AppointmentDetails d) => new(
        d.AppointmentId, d.HallCode, d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.SlotStart, d.SlotEnd, d.Category, d.ItemCode,
        AppointmentBook.Wire(d.State), new MaskedApplicantDto(d.ApplicantName, d.ApplicantPhone), d.BookedAt, d.CheckInOpensAt, d.CheckInClosesAt,
        d.CheckedInAt, d.TicketNo, d.CancelledAt, d.NoShowAt, d.RescheduledTo, d.RescheduledFrom);
}

/// <summary>The ticket a check-in produced (same fields as <c>POST …/tickets</c>, plus the appointment).</summary>
public sealed record CheckInTicketDto(
    string TicketNo, string Category, int? Position, int? PredictedWaitMinutes, string Kind, string State, string AppointmentId, DateTimeOffset SlotStart);

/// <summary>
/// 预约 routes. Slots are public. Booking, viewing, rescheduling and cancelling: the citizen for themself (their token's
/// <c>sub</c> is their ID number, compared as a keyed hash), a clerk or hall manager of that hall, an admin. Check-in:
/// the citizen, the hall's staff, or an anonymous kiosk with the last four phone digits.
/// </summary>
public static class AppointmentEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";

    private static readonly string[] BookingRoles = [Roles.Citizen, Roles.Clerk, Roles.HallManager, Roles.Admin];

    public static RouteGroupBuilder MapAppointmentEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/halls/{hallCode}/appointments").WithTags("Appointments");

        group.MapGet("/slots", async Task<Results<Ok<IEnumerable<SlotDto>>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, string? date, string? category, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            if (!TryDate(date, out var day))
            {
                return Problems.Invalid("date", "date is required, as yyyy-MM-dd.");
            }

            if (!AppointmentBook.IsCategoryShape(category))
            {
                return Problems.Invalid("category", "category is required: 1 to 8 letters or digits, e.g. A.");
            }

            var result = await Book(grains, hallCode, day).GetSlots(category!);
            return result.IsOk
                ? TypedResults.Ok(result.Value!.Select(s => new SlotDto(s.Start, s.End, s.Capacity, s.Booked, s.Bookable)))
                : Refused(result.Violation!);
        })
        .AllowAnonymous()
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .WithSummary("Bookable slots of one day and category: [{start, end, capacity, booked, bookable}]. 409 when the hall is closed that day or takes no appointments.");

        group.MapPost("/", async Task<Results<Ok<AppointmentDto>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, BookAppointmentRequest body, [FromHeader(Name = IdempotencyHeader)] string? idempotencyKey,
            ClaimsPrincipal user, ServicePointDirectory directory, ApplicantHasher hasher, IGrainFactory grains, TongBan.Grains.Identity.PersonalDataProtector protector) =>
        {
            if (!TryDate(body.Date, out var day))
            {
                return Problems.Invalid("date", "date is required, as yyyy-MM-dd.");
            }

            if (!TryStart(body.Start, day, out var start))
            {
                return Problems.Invalid("start", "start is required: HH:mm, or a slot's start as ISO-8601 on the same date.");
            }

            if (!AppointmentBook.IsCategoryShape(body.Category))
            {
                return Problems.Invalid("category", "category is required: 1 to 8 letters or digits, e.g. A.");
            }

            if (!AppointmentBook.IsItemCodeShape(body.ItemCode))
            {
                return Problems.Invalid("itemCode", $"itemCode is required: 1 to {AppointmentBook.MaxItemCodeLength} letters, digits, '.', '_' or '-'.");
            }

            if (idempotencyKey is { Length: 0 or > AppointmentBook.MaxIdempotencyKeyLength })
            {
                return Problems.Invalid(IdempotencyHeader, $"{IdempotencyHeader} has 1 to {AppointmentBook.MaxIdempotencyKeyLength} characters.");
            }

            var input = new ApplicantInput(body.Applicant?.Name, body.Applicant?.IdNumber, body.Applicant?.Phone);
            var errors = ApplicantRules.Validate(body.Applicant is null ? null : input);
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors, title: "输入有误 Invalid input");
            }

            if (routeHall.Point.ItemCodes.Count > 0 && !routeHall.Point.ItemCodes.Contains(body.ItemCode!, StringComparer.Ordinal))
            {
                return Problems.NotFound("Item at " + hallCode, body.ItemCode!);
            }

            var applicant = ApplicantRules.ToRecord(input, hasher);
            if (CaseEndpoints.ParseConsent(body.Notify, protector, out var consent) is { } badConsent)
            {
                return badConsent;
            }

            if (consent is not null)
            {
                var mobile = TongBan.Grains.Identity.MobileNumber.Validate(input.Phone).Number;
                if (mobile is null && consent.Channels.Contains(NotificationChannel.Sms))
                {
                    return Problems.Invalid("applicant.phone", "SMS notifications need an 11-digit mainland mobile number (1[3-9]…).");
                }

                applicant = applicant with
                {
                    Contact = new AppointmentContact(
                        consent, mobile is null ? null : protector.Hash.OfMobile(mobile), mobile is null ? null : TongBan.Grains.Identity.Masking.Mobile(mobile.Value),
                        mobile is not null && consent.Channels.Contains(NotificationChannel.Sms) ? protector.SealText(mobile.Value) : null),
                };
            }

            if (user.IsInRole(Roles.Citizen) && !ApplicantHasher.SameHash(SubjectHash(user, hasher), applicant.IdHash))
            {
                return Problems.Forbidden("A citizen may book only for themself: the applicant's ID number must be the one you signed in with.");
            }

            if (StaffOfAnotherHall(user, hallCode))
            {
                return Problems.Forbidden($"Your token is for another hall; you may not book at {hallCode}.");
            }

            var request = new BookingRequest(body.Category!, body.ItemCode!, start, applicant, Actor(user), idempotencyKey);
            var result = await Book(grains, hallCode, day).Book(request);
            return result.IsOk ? TypedResults.Ok(AppointmentDto.From(result.Value!)) : Refused(result.Violation!);
        })
        .RequireAuthorization(p => p.RequireRole(BookingRoles))
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .WithSummary("Book a slot (预约). Retry with the same Idempotency-Key to get the same appointment. 409: slot full, duplicate booking for the item that day, hall closed, slot started.");

        group.MapGet("/{id}/notifications", async Task<Results<Ok<IReadOnlyList<NotificationDto>>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, string id, ClaimsPrincipal user, ServicePointDirectory directory, ApplicantHasher hasher, IGrainFactory grains,
            INotificationOutbox outbox, CancellationToken cancellationToken) =>
        {
            var found = await FindOwned(hallCode, id, user, directory, hasher, grains);
            if (found.Refusal is { } refusal)
            {
                return refusal.Result switch
                {
                    ValidationProblem invalid => invalid,
                    ProblemHttpResult problem => problem,
                    _ => Problems.NotFound("Appointment", id),
                };
            }

            var records = await outbox.ListBySubjectAsync(AppointmentNotifications.Subject(id), cancellationToken);
            return TypedResults.Ok<IReadOnlyList<NotificationDto>>([.. records.Select(r => NotificationDto.From(r, staff: !user.IsInRole(Roles.Citizen)))]);
        })
        .RequireAuthorization(p => p.RequireRole(BookingRoles))
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .WithSummary("The appointment's notifications (预约成功, 预约取消): event, channel, masked recipient, state and reason; for whoever may see the appointment.");

        group.MapGet("/{id}", async Task<Results<Ok<AppointmentDto>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, string id, ClaimsPrincipal user, ServicePointDirectory directory, ApplicantHasher hasher, IGrainFactory grains) =>
        {
            var found = await FindOwned(hallCode, id, user, directory, hasher, grains);
            return found.Refusal is { } refusal ? refusal : TypedResults.Ok(AppointmentDto.From(found.Details!));
        })
        .RequireAuthorization(p => p.RequireRole(BookingRoles))
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .WithSummary("One appointment, masked (张*, 138****5678): for its applicant, the hall's clerks and manager, admins.");

        group.MapDelete("/{id}", async Task<Results<Ok<AppointmentDto>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, string id, ClaimsPrincipal user, ServicePointDirectory directory, ApplicantHasher hasher, IGrainFactory grains) =>
        {
            var found = await FindOwned(hallCode, id, user, directory, hasher, grains);
            if (found.Refusal is { } refusal)
            {
                return refusal;
            }

            var result = await Book(grains, hallCode, found.Details!.Date).Cancel(id, Actor(user));
            return result.IsOk ? TypedResults.Ok(AppointmentDto.From(result.Value!)) : Refused(result.Violation!);
        })
        .RequireAuthorization(p => p.RequireRole(BookingRoles))
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .WithSummary("Cancel (取消) a booked appointment; cancelling again answers the same. 409 once checked in, lapsed or rescheduled.");

        group.MapPut("/{id}", async Task<Results<Ok<AppointmentDto>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, string id, RescheduleAppointmentRequest body, ClaimsPrincipal user, ServicePointDirectory directory,
            ApplicantHasher hasher, IGrainFactory grains) =>
        {
            if (!TryDate(body.Date, out var day))
            {
                return Problems.Invalid("date", "date is required, as yyyy-MM-dd.");
            }

            if (!TryStart(body.Start, day, out var start))
            {
                return Problems.Invalid("start", "start is required: HH:mm, or a slot's start as ISO-8601 on the same date.");
            }

            var found = await FindOwned(hallCode, id, user, directory, hasher, grains);
            if (found.Refusal is { } refusal)
            {
                return refusal;
            }

            var result = await AppointmentRescheduler.RescheduleAsync(grains, id, day, start, Actor(user));
            return result.IsOk ? TypedResults.Ok(AppointmentDto.From(result.Value!)) : Refused(result.Violation!);
        })
        .RequireAuthorization(p => p.RequireRole(BookingRoles))
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .WithSummary("Reschedule (改约) to another slot, same or another day, under the booking rules; answers the new appointment (the old one becomes rescheduled).");

        group.MapPost("/{id}/check-in", async Task<Results<Ok<CheckInTicketDto>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, string id, HttpRequest http, [FromHeader(Name = IdempotencyHeader)] string? idempotencyKey,
            ClaimsPrincipal user, ServicePointDirectory directory, ApplicantHasher hasher, IGrainFactory grains, HallHours hours) =>
        {
            // The body is optional (staff and citizens send none), so it is read here rather than bound: a bound body
            // would make a request without Content-Type miss this route.
            var body = await ReadOptionalBody(http);
            if (body.Invalid is { } badBody)
            {
                return badBody;
            }

            if (!AppointmentIds.TryParse(id, out var idHall, out var day, out _))
            {
                return Problems.Invalid("id", "An appointment id looks like 520102-H001-20260302-007K.");
            }

            if (idempotencyKey is { Length: 0 or > AppointmentBook.MaxIdempotencyKeyLength })
            {
                return Problems.Invalid(IdempotencyHeader, $"{IdempotencyHeader} has 1 to {AppointmentBook.MaxIdempotencyKeyLength} characters.");
            }

            // The check-in is idempotent by appointment (a second check-in returns the first ticket), so the key
            // needs no record of its own: any retry, with or without it, gets the same ticket.
            string? proof = null;
            var signedIn = user.Identity?.IsAuthenticated == true;
            if (signedIn && user.IsInRole(Roles.Citizen))
            {
                // Ownership is checked below against the stored hash.
            }
            else if (signedIn && (user.IsInRole(Roles.Admin) || ((user.IsInRole(Roles.Clerk) || user.IsInRole(Roles.HallManager)) && !StaffOfAnotherHall(user, hallCode))))
            {
                // Hall staff at the counter.
            }
            else if (signedIn && (user.IsInRole(Roles.Clerk) || user.IsInRole(Roles.HallManager)))
            {
                return Problems.Forbidden($"Your token is for another hall; you may not check in at {hallCode}.");
            }
            else
            {
                if (body.Value?.PhoneLast4 is not { Length: 4 } last4 || !last4.All(char.IsAsciiDigit))
                {
                    return Problems.Invalid("phoneLast4", "Without a token, check in with {\"phoneLast4\": \"the last 4 digits of the applicant's phone\"}.");
                }

                proof = last4;
            }

            if (idHall != hallCode)
            {
                return NotFound(id);
            }

            // The hall's clock: a manager closed the appointment's date after it was booked (临时闭厅): no ticket is issued.
            if (HallClock.ExceptionOn(routeHall.Point, day) is { Kind: HoursExceptionKind.Closed })
            {
                return Problems.HallClosed(routeHall.Point, HallClock.Read(routeHall.Point, hours.Calendar, new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), ChinaTime.Offset)));
            }

            var grain = Book(grains, hallCode, day);
            if (signedIn && user.IsInRole(Roles.Citizen))
            {
                var current = await grain.Get(id);
                if (!current.IsOk || !hasher.IsResidentId(current.Value!.ApplicantIdHash, user.Claim(TongBanClaims.Subject)))
                {
                    return NotFound(id);
                }
            }

            var result = await grain.CheckIn(id, proof);
            if (!result.IsOk)
            {
                return Refused(result.Violation!);
            }

            var ticket = result.Value!.Ticket;
            return TypedResults.Ok(new CheckInTicketDto(
                ticket.Ticket.Number, ticket.Ticket.Category, ticket.Position, ticket.PredictedWaitMinutes, "appointment",
                TongBan.Grains.Queues.TicketWire.State(ticket.Ticket.State), id, result.Value.Appointment.SlotStart));
        })
        .AllowAnonymous()
        .RequireRateLimiting(RateLimitPolicies.TicketTaking)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .WithSummary("Check in (签到) from 30 minutes before to 15 minutes after the slot start: answers the priority appointment ticket. Anonymous kiosks send {phoneLast4}. Retrying answers the same ticket.");

        return group;
    }

    private static async Task<(CheckInRequest? Value, ValidationProblem? Invalid)> ReadOptionalBody(HttpRequest http)
    {
        if (http.ContentLength == 0 || (http.ContentLength is null && !http.HasJsonContentType()))
        {
            return (null, null);
        }

        if (!http.HasJsonContentType())
        {
            return (null, Problems.Invalid("body", "The body, when sent, is JSON: {\"phoneLast4\": \"1234\"}."));
        }

        try
        {
            return (await http.ReadFromJsonAsync<CheckInRequest>(http.HttpContext.RequestAborted), null);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, Problems.Invalid("body", "The body is not valid JSON: {\"phoneLast4\": \"1234\"}."));
        }
    }

    private static IAppointmentBookGrain Book(IGrainFactory grains, string hallCode, DateOnly day) =>
        grains.GetGrain<IAppointmentBookGrain>(AppointmentBookKeys.Of(hallCode, day));

    /// <summary>Resolves the id (the route's hall is resolved by <see cref="HallRoute"/>), loads the appointment, and hides it from anyone who may not see it.</summary>
    private static async Task<(AppointmentDetails? Details, Results<Ok<AppointmentDto>, ValidationProblem, ProblemHttpResult>? Refusal)> FindOwned(
        string hallCode, string id, ClaimsPrincipal user, ServicePointDirectory directory, ApplicantHasher hasher, IGrainFactory grains)
    {
        if (!AppointmentIds.TryParse(id, out var idHall, out var day, out _))
        {
            return (null, Problems.Invalid("id", "An appointment id looks like 520102-H001-20260302-007K."));
        }

        if (StaffOfAnotherHall(user, hallCode))
        {
            return (null, Problems.Forbidden($"Your token is for another hall; you may not act on appointments of {hallCode}."));
        }

        if (idHall != hallCode)
        {
            return (null, NotFound(id));
        }

        var result = await Book(grains, hallCode, day).Get(id);
        if (!result.IsOk)
        {
            return (null, Refused(result.Violation!));
        }

        // Another citizen's appointment is answered like an unknown one, so ids cannot be probed.
        if (user.IsInRole(Roles.Citizen) && !hasher.IsResidentId(result.Value!.ApplicantIdHash, user.Claim(TongBanClaims.Subject)))
        {
            return (null, NotFound(id));
        }

        return (result.Value, null);
    }

    private static bool StaffOfAnotherHall(ClaimsPrincipal user, string hallCode) =>
        !user.IsInRole(Roles.Admin) && (user.IsInRole(Roles.Clerk) || user.IsInRole(Roles.HallManager)) && user.Claim(TongBanClaims.HallCode) != hallCode;

    private static string? SubjectHash(ClaimsPrincipal user, ApplicantHasher hasher) =>
        user.Claim(TongBanClaims.Subject) is { Length: > 0 } sub ? hasher.HashResidentId(sub) : null;

    /// <summary>Who acted, for the record: a citizen's subject is their ID number, so it is never written down.</summary>
    private static string Actor(ClaimsPrincipal user)
    {
        var role = user.Claim(TongBanClaims.Role) ?? "unknown";
        return role == Roles.Citizen ? "citizen:self" : $"{role}:{user.Claim(TongBanClaims.Subject)}";
    }

    private static bool TryDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    private static bool TryStart(string? text, DateOnly date, out TimeOnly start)
    {
        start = default;
        if (text is null || text.Length > 40)
        {
            return false;
        }

        if (TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out start))
        {
            return true;
        }

        if (text.Length > 10 && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
        {
            var local = at.ToOffset(ChinaTime.Offset);
            start = TimeOnly.FromDateTime(local.DateTime);
            return DateOnly.FromDateTime(local.DateTime) == date;
        }

        return false;
    }

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "未找到 Not found", detail: $"Appointment '{id}' does not exist.");

    /// <summary>Every refusal of a book as ProblemDetails, with the machine code and the Chinese reason as extensions.</summary>
    internal static ProblemHttpResult Refused(AppointmentViolation v)
    {
        var (status, title) = v.Code switch
        {
            AppointmentViolationCode.InvalidRequest or AppointmentViolationCode.DateInPast or AppointmentViolationCode.BeyondHorizon
                or AppointmentViolationCode.NotASlot => (StatusCodes.Status400BadRequest, "输入有误 Invalid input"),
            AppointmentViolationCode.UnknownHall or AppointmentViolationCode.UnknownCategory
                or AppointmentViolationCode.UnknownAppointment => (StatusCodes.Status404NotFound, "未找到 Not found"),
            _ => (StatusCodes.Status409Conflict, "状态冲突 Conflict"),
        };
        var extensions = new Dictionary<string, object?>
        {
            ["code"] = char.ToLowerInvariant(v.Code.ToString()[0]) + v.Code.ToString()[1..],
            ["detailZh"] = v.MessageZh,
        };
        if (v.AppointmentId is not null && v.Code != AppointmentViolationCode.UnknownAppointment)
        {
            extensions["appointmentId"] = v.AppointmentId;
        }

        return TypedResults.Problem(statusCode: status, title: title, detail: v.Message, extensions: extensions);
    }
}
