using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using TongBan.Api.Security;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Identity;
using TongBan.Grains.Queues;
using TongBan.Grains.Ratings;
using TongBan.Grains.Windows;

namespace TongBan.Api.Endpoints;

/// <summary><c>POST /api/halls/{hallCode}/tickets</c>.</summary>
/// <param name="Kind">walkIn, remote or kiosk (appointment tickets come from check-in).</param>
/// <param name="Priority">
/// normal (default), greenChannel (老年人、残疾人、孕妇 绿色通道) or assisted (帮办代办): granted by the hall's staff or a citizen's
/// verified priorityClass claim, never self-declared (403); a kiosk sets none.
/// </param>
/// <param name="IdNumber">Staff only: the holder's resident ID number, for 一人一号 (one open ticket per person and category). Never stored or returned.</param>
/// <param name="Phone">Staff only: the holder's mobile number, the same use.</param>
public sealed record TakeTicketRequest(string? Category, string? Kind, string? Priority, string? AppointmentId, string? IdNumber = null, string? Phone = null)
{
    /// <summary>Notifications about this ticket (到号提醒, 叫号): channels sms, weChat (weChatOpenId), app (appUserId), as for a case.</summary>
    public NotifyInput? Notify { get; init; }

    /// <summary>The mobile number for SMS about this ticket (anyone, for their own ticket); alone it means SMS. Sealed with its keyed hash, shown masked.</summary>
    public string? NotifyPhone { get; init; }
}

/// <param name="RatingToken">评价码: printed on the slip (QR) and kept by the phone that took the ticket; rates this ticket once it is served (POST /api/ratings).</param>
/// <param name="CancelToken">取消码: printed on the slip and kept by the phone; cancels this ticket (POST /api/halls/{hallCode}/tickets/{ticketNo}/cancel).</param>
/// <param name="Notify">The notification channels chosen and the phone masked (138****5678); null without a contact.</param>
public sealed record TicketTakenDto(
    string HallCode, string TicketNo, string Category, int? Position, int? PredictedWaitMinutes, DateTimeOffset IssuedAt, string? RatingToken = null,
    string? CancelToken = null, TicketNotifyDto? Notify = null);

/// <param name="Outcome">
/// "hallClosed" when the ticket still waits after the hall's last session of the day has ended (延时服务 included): it will not
/// be called today; <c>nextOpening</c> says when to come back with a new ticket.
/// </param>
public sealed record TicketDto(
    string HallCode, string TicketNo, string Category, string State, int? Position, int? PredictedWaitMinutes, int? WindowNo,
    string? Outcome = null, string? NextOpening = null)
{
    public static TicketDto From(string hallCode, TicketStatus status) => new(
        hallCode, status.Ticket.Number, status.Ticket.Category, TicketWire.State(status.Ticket.State),
        status.Position, status.PredictedWaitMinutes, status.Ticket.WindowNo);
}

public sealed record CalledTicketDto(string TicketNo, string Category, int WindowNo);

/// <param name="State">Published ticket state; a parked ticket reads <c>waiting</c> with <paramref name="Parked"/> true.</param>
/// <param name="ParkReason">挂起原因, while parked.</param>
public sealed record WindowTicketDto(string TicketNo, string Category, string State, int? WindowNo, bool Parked = false, string? ParkReason = null);

/// <param name="ServedToday">Tickets finished plus walk-up services (补录) today.</param>
/// <param name="PauseReason">While paused: break (休息), training (培训), systemFault (系统故障) or other (其他).</param>
/// <param name="PausedMinutesToday">Minutes paused today, the current pause included.</param>
/// <param name="WalkUpsToday">Walk-up services (补录) recorded today.</param>
public sealed record WindowStateDto(
    int WindowNo, string State, string? Clerk, IReadOnlyList<string> Categories, string? CurrentTicket, string? CurrentState, int ServedToday,
    string? PauseReason = null, DateTimeOffset? PausedSince = null, int PausedMinutesToday = 0, int WalkUpsToday = 0)
{
    public static WindowStateDto From(WindowView v) => new(
        v.WindowNo, v.Status.ToString().ToLowerInvariant(), v.Clerk, v.Categories, v.Current?.TicketNo,
        v.Current is null ? null : TicketWire.State(v.Current.State), v.ServedToday,
        v.PauseReason is { } r ? PauseReasonWire.Name(r) : null, v.PausedSince, v.PausedMinutesToday, v.WalkUpsToday);
}

public sealed record TransferRequest(string? ToCategory, int? ToWindow);

/// <summary><c>POST .../pause</c>; the body is optional (no body: other).</summary>
/// <param name="Reason">break (休息), training (培训), systemFault (系统故障) or other (其他).</param>
public sealed record PauseRequest(string? Reason);

/// <param name="Reason">挂起原因, required (e.g. 缺少身份证复印件).</param>
public sealed record ParkRequest(string? Reason);

/// <summary>A ticket named by number (unpark, 指定叫号).</summary>
public sealed record TicketNoRequest(string? TicketNo);

/// <param name="Category">The queue category the service belongs to (one the window serves).</param>
/// <param name="Item">Optional matter code (事项编码) of the hall.</param>
public sealed record WalkUpRequest(string? Category, string? Item);

/// <param name="Categories">The categories the window serves, in preference order.</param>
public sealed record WindowCategoriesRequest(IReadOnlyList<string>? Categories);

/// <param name="Id">e.g. A-W001.</param>
public sealed record WalkUpDto(string Id, string Category, string? Item, int WindowNo, DateTimeOffset ServedAt, int ServedToday);

/// <param name="ParkedBy">The window that parked it (null: parked from the line).</param>
public sealed record ParkedTicketDto(string TicketNo, string Category, string? Reason, DateTimeOffset? ParkedAt, int? ParkedBy, DateTimeOffset IssuedAt);

public static class QueueEndpoints
{
    public static RouteGroupBuilder MapQueueEndpoints(this IEndpointRouteBuilder routes)
    {
        var halls = routes.MapGroup("/api/halls/{hallCode}").WithTags("Queue");

        // Ticket taking is public: kiosks, the mobile app (remote tickets) and walk-in screens.
        halls.MapPost("/tickets", async Task<Results<Ok<TicketTakenDto>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, TakeTicketRequest body, IdempotencyKey idempotencyKey, ClaimsPrincipal user,
            ServicePointDirectory directory, IGrainFactory grains, RatingTokens ratingTokens, CancelTokens cancelTokens,
            PersonalDataProtector personalData, TimeProvider clock, ILoggerFactory loggers, HallHours hours) =>
        {
            if (body.AppointmentId is not null || string.Equals(body.Kind, "appointment", StringComparison.OrdinalIgnoreCase))
            {
                return Problems.Invalid("appointmentId", "Appointment tickets are issued by check-in: POST /api/halls/{hallCode}/appointments/{id}/check-in.");
            }

            if (body.Category is null || !TicketNumber.IsCategoryCode(body.Category))
            {
                return Problems.Invalid("category", "category is one capital letter, e.g. A.");
            }

            if (routeHall.Point.Categories.All(c => c.Code != body.Category))
            {
                return Problems.NotFound($"Queue category of {hallCode}", body.Category);
            }

            if (!Wire.TryParse<TicketKind>(body.Kind ?? "walkIn", out var kind))
            {
                return Problems.Invalid("kind", "kind is walkIn, remote or kiosk.");
            }

            if (!TryPriority(body.Priority, out var priority))
            {
                return Problems.Invalid("priority", "priority is normal, greenChannel or assisted.");
            }

            var (forbidden, badHolder, personKeys) = TicketRules.Check(user, hallCode, kind, priority, body.IdNumber, body.Phone, personalData.Hash, ChinaTime.Today(clock));
            if (badHolder is not null)
            {
                return badHolder;
            }

            if (forbidden is not null)
            {
                return forbidden;
            }

            if (TicketNotificationEndpoints.ParseContact(body, personalData, out var contact) is { } badContact)
            {
                return badContact;
            }

            var hall = grains.GetGrain<IHallGrain>(hallCode);
            if ((await hall.GetServiceStatus()).Suspended)
            {
                return Problems.Conflict($"{routeHall.Point.Name} has suspended service; no tickets are issued.");
            }

            // The hall's clock: no tickets while closed or past the cutoff before closing (停止取号), for every kind.
            if (hours.Read(routeHall.Point) is { TakingTickets: false } reading)
            {
                return Problems.HallClosed(routeHall.Point, reading);
            }

            var result = await grains.Line(hallCode, body.Category)
                .Take(new TicketRequest(kind, priority, null, idempotencyKey.Value, personKeys, contact));
            if (!result.IsOk)
            {
                return QueueProblem(result.Violation!);
            }

            var t = result.Value;
            TicketRules.LogGranted(loggers.CreateLogger(typeof(TicketRules)), user, hallCode, t.Ticket.Number, priority);
            var day = DateOnly.FromDateTime(t.Ticket.IssuedAt.ToOffset(ChinaTime.Offset).DateTime);
            return TypedResults.Ok(new TicketTakenDto(hallCode, t.Ticket.Number, t.Ticket.Category, t.Position, t.PredictedWaitMinutes, t.Ticket.IssuedAt,
                ratingTokens.Issue(hallCode, day, t.Ticket.Number), cancelTokens.Issue(hallCode, day, t.Ticket.Number), TicketNotificationEndpoints.Echo(contact)));
        })
        .AllowAnonymous()
        .RequireRateLimiting(RateLimitPolicies.TicketTaking)
        .WithSummary("取号: take a ticket (walkIn, remote, kiosk). Idempotency-Key makes a retry return the same ticket.")
        .WithDescription("Anonymous walk-in and kiosk tickets need no sign-in; a remote ticket needs a citizen's sign-in (401/403). " +
            "A priority is granted by the hall's staff (guide, clerk, hall manager) or a citizen's verified priorityClass claim, else 403; " +
            "a kiosk sets none. 一人一号: a signed-in citizen, or the person named by staff (idNumber/phone), holds one open ticket per " +
            "hall and category: a second take → 409 naming it (ticketNo, state); a retry with the same Idempotency-Key → the same ticket. " +
            "The answer's cancelToken cancels the ticket (POST …/tickets/{ticketNo}/cancel). " +
            "Optional `notify` (channels sms / weChat / app) and `notifyPhone` (11-digit mainland mobile, else 400): the holder is told to come (到号提醒) and which window calls them (叫号); see GET …/tickets/{ticketNo}/notifications. " +
            "409 with `nextOpening` (ISO 8601, +08:00) while the hall is closed or past its ticket cutoff (停止取号, default 30 min before each session closes).");

        halls.MapGet("/tickets/{ticketNo}", async Task<Results<Ok<TicketDto>, ValidationProblem, ProblemHttpResult>> (
            HallRoute routeHall, string hallCode, string ticketNo, ServicePointDirectory directory, IGrainFactory grains, HallHours hours) =>
        {
            if (!TicketNumber.TryParse(ticketNo, out var category, out _))
            {
                return Problems.Invalid("ticketNo", "A ticket number looks like A012.");
            }

            if (routeHall.Point.Categories.All(c => c.Code != category))
            {
                return Problems.NotFound("Ticket", ticketNo);
            }

            // A transferred ticket keeps its number (A012 may now wait in B): follow the hand-offs.
            var status = await grains.Line(hallCode, category).GetStatus(ticketNo);
            for (var hops = 0; hops < 8 && status?.Ticket is { State: TicketState.Transferred, TransferredTo: { } next }; hops++)
            {
                status = await grains.Line(hallCode, next).GetStatus(ticketNo) ?? status;
            }

            if (status is null)
            {
                return Problems.NotFound("Ticket", ticketNo);
            }

            var dto = TicketDto.From(hallCode, status);
            return TypedResults.Ok(status.Ticket.State == TicketState.Waiting && hours.Read(routeHall.Point) is { } clock && HallClock.DayIsOver(clock)
                ? dto with { Outcome = "hallClosed", NextOpening = HallHoursDto.Iso(clock.NextOpening) }
                : dto);
        })
        .AllowAnonymous()
        .WithSummary("A ticket today: state, position, predicted wait, window once called.")
        .WithDescription("A ticket still waiting after the hall's last session of the day shows `outcome: hallClosed` and `nextOpening`.");

        halls.MapGet("/queues/{category}", async Task<Results<Ok<QueueView>, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> (
            HallRoute routeHall, string hallCode, string category, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            if (!user.MaySeeHallInternals(hallCode))
            {
                return TypedResults.Forbid();
            }

            if (routeHall.Point.Categories.All(c => c.Code != category))
            {
                return Problems.NotFound($"Queue category of {hallCode}", category);
            }

            return TypedResults.Ok(await grains.Line(hallCode, category).GetView());
        })
        .RequireAuthorization(Policies.Staff)
        .WithSummary("A queue's figures today: counts by state, waits (average, p90, prediction error), service time.")
        .WithDescription("Whole minutes and a whole count of serving windows. noWindow: tickets wait and no open window serves the " +
            "category (predictedWaitMinutes null). waits.predicted is the number of tickets the error rests on; the error is null below 10. " +
            "serviceSamples: recent services behind meanServiceMinutes (below 5 the 6-minute prior applies).");

        halls.MapTicketCancel();

        halls.MapGet("/parked", async Task<Results<Ok<List<ParkedTicketDto>>, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> (
            HallRoute routeHall, string hallCode, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            if (!user.MaySeeHallInternals(hallCode))
            {
                return TypedResults.Forbid();
            }

            var parked = await HallQueues.Of(grains, hallCode).GetParked();
            return TypedResults.Ok(parked
                .OrderBy(p => p.ParkedAt)
                .Select(p => new ParkedTicketDto(p.Number, p.Category, p.Reason, p.ParkedAt, p.ParkedBy, p.IssuedAt))
                .ToList());
        })
        .RequireAuthorization(Policies.Staff)
        .WithSummary("挂起: the hall's parked tickets today with their reasons, oldest first (what the clerk page offers to unpark).");

        MapWindowRoutes(halls);
        return halls;
    }

    private static void MapWindowRoutes(RouteGroupBuilder halls)
    {
        var windows = halls.MapGroup("/windows/{windowNo:int}").WithTags("Windows").RequireAuthorization(Policies.WindowOperations);

        windows.MapGet("/", (HallRoute routeHall, string hallCode, int windowNo, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
            Run(routeHall, hallCode, windowNo, user, directory, grains, async w => Ok(await w.GetView())))
            .WithSummary("The window: state, clerk, current ticket, served today.");

        windows.MapPost("/open", (HallRoute routeHall, string hallCode, int windowNo, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
            Run(routeHall, hallCode, windowNo, user, directory, grains, async w => Window(await w.Open(user.Claim(TongBanClaims.Subject)))))
            .WithSummary("Open the window; the caller signs in as its clerk. 409 with `nextOpening` outside opening hours (延时服务 counts as open).");
        windows.MapPost("/pause", async (HallRoute routeHall, string hallCode, int windowNo, HttpRequest http, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            // The body is optional (the published contract's pause has none), so it is read here rather than bound.
            var (body, unreadable) = await OptionalBody<PauseRequest>(http);
            if (unreadable is not null)
            {
                return unreadable;
            }

            var reason = PauseReason.Other;
            if (body?.Reason is { } text && !PauseReasonWire.TryParse(text, out reason))
            {
                return Problems.Invalid("reason", "reason is break (休息), training (培训), systemFault (系统故障) or other (其他).");
            }

            return await Run(routeHall, hallCode, windowNo, user, directory, grains, async w => Window(await w.Pause(reason)));
        })
            .WithSummary("暂停: pause with an optional {reason}: break, training, systemFault or other (no body: other). A called ticket goes back to the head of its queue.")
            .WithDescription("Body (optional): PauseRequest {reason}. Paused time counts in the window's day figures (pausedMinutesToday); the reason shows in the window view and the hall dashboard. 400 for another reason.");
        windows.MapPost("/close", (HallRoute routeHall, string hallCode, int windowNo, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
            Run(routeHall, hallCode, windowNo, user, directory, grains, async w => Window(await w.Close())))
            .WithSummary("Close; a called ticket goes back to the head, tickets reserved for this window are freed. 409 while serving.");

        windows.MapPost("/call-next", (HallRoute routeHall, string hallCode, int windowNo, IdempotencyKey idempotency, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
            Run(routeHall, hallCode, windowNo, user, directory, grains, async w =>
            {
                var reply = await w.CallNext(idempotency.Value);
                if (!reply.IsOk)
                {
                    return WindowProblem(reply);
                }

                return reply.Ticket is { } t ? TypedResults.Ok(new CalledTicketDto(t.Number, t.Category, windowNo)) : TypedResults.NoContent();
            }))
            .Produces<CalledTicketDto>()
            .Produces(StatusCodes.Status204NoContent)
            .WithSummary("叫号: call the next ticket this window serves (categories in preference order); 204 when none waits.");

        foreach (var (route, command, summary) in new[]
        {
            ("recall", WindowCommand.Recall, "重呼: announce the called ticket again."),
            ("no-show", WindowCommand.NoShow, "过号: the called citizen did not come (after the required recalls)."),
            ("start", WindowCommand.Start, "开始办理: the citizen is at the window."),
            ("finish", WindowCommand.Finish, "办结: service finished. Idempotency-Key makes a retry return the first answer."),
            ("skip", WindowCommand.Skip, "过号顺延: put the called ticket back; it is called again after a few others."),
        })
        {
            windows.MapPost("/" + route, (HallRoute routeHall, string hallCode, int windowNo, IdempotencyKey idempotency, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
                Run(routeHall, hallCode, windowNo, user, directory, grains, async w => Ticket(await w.Act(command, idempotency.Value), windowNo)))
                .Produces<WindowTicketDto>()
                .WithSummary(summary);
        }

        windows.MapPost("/transfer", (HallRoute routeHall, string hallCode, int windowNo, TransferRequest body, IdempotencyKey idempotency, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
            Run(routeHall, hallCode, windowNo, user, directory, grains, async w =>
            {
                if (body.ToCategory is not null && !TicketNumber.IsCategoryCode(body.ToCategory))
                {
                    return Problems.Invalid("toCategory", "toCategory is one capital letter, e.g. B.");
                }

                if (body.ToWindow is < 1 or > 999)
                {
                    return Problems.Invalid("toWindow", "toWindow is a window number of this hall.");
                }

                return Ticket(await w.Transfer(body.ToCategory, body.ToWindow, idempotency.Value), windowNo);
            }))
            .Produces<WindowTicketDto>()
            .WithSummary("转办: move the current ticket to another category (keeping its place in time) and/or a named window. Idempotency-Key makes a retry return the first answer.");

        windows.MapPost("/park", async (HallRoute routeHall, string hallCode, int windowNo, HttpRequest http, IdempotencyKey idempotency, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            // Read rather than bound, so a missing body is the 400 "reason is required", not a bare 415.
            var (body, unreadable) = await OptionalBody<ParkRequest>(http);
            if (unreadable is not null)
            {
                return unreadable;
            }

            if (string.IsNullOrWhiteSpace(body?.Reason) || body.Reason.Length > CategoryQueue.MaxParkReasonLength)
            {
                return Problems.Invalid("reason", $"reason (挂起原因) is required, 1–{CategoryQueue.MaxParkReasonLength} characters.");
            }

            return await Run(routeHall, hallCode, windowNo, user, directory, grains, async w => Ticket(await w.Park(body.Reason, idempotency.Value), windowNo));
        })
            .Produces<WindowTicketDto>()
            .WithSummary("挂起: park the current ticket with a {reason} (required); the window is free. Idempotency-Key makes a retry return the first answer.")
            .WithDescription("Body: ParkRequest {reason}. The parked ticket is never called until unparked (GET /api/halls/{hallCode}/parked lists them).");

        windows.MapPost("/unpark", async (HallRoute routeHall, string hallCode, int windowNo, HttpRequest http, IdempotencyKey idempotency, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            var (body, unreadable) = await OptionalBody<TicketNoRequest>(http);
            return unreadable ?? BadTicketNo(body?.TicketNo)
                ?? await Run(routeHall, hallCode, windowNo, user, directory, grains, async w => Ticket(await w.Unpark(body!.TicketNo!, idempotency.Value), windowNo));
        })
            .Produces<WindowTicketDto>()
            .WithSummary("恢复排队: a parked {ticketNo} returns to the front of its line (called next by any window that serves it).")
            .WithDescription("Body: TicketNoRequest {ticketNo}. Any window serving the ticket's category may unpark it (its clerk, or the hall manager). 404 unknown ticket, 409 not parked or not served here.");

        windows.MapPost("/call", async (HallRoute routeHall, string hallCode, int windowNo, HttpRequest http, IdempotencyKey idempotency, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            var (body, unreadable) = await OptionalBody<TicketNoRequest>(http);
            return unreadable ?? BadTicketNo(body?.TicketNo)
                ?? await Run(routeHall, hallCode, windowNo, user, directory, grains, async w => Ticket(await w.CallTicket(body!.TicketNo!, idempotency.Value), windowNo));
        })
            .Produces<WindowTicketDto>()
            .WithSummary("指定叫号: call a named waiting or parked {ticketNo} of a category this window serves. Idempotency-Key makes a retry return the first answer.")
            .WithDescription("Body: TicketNoRequest {ticketNo}. 404 unknown ticket; 409 names the ticket's state and the allowed actions (or the window's).");

        windows.MapPost("/walk-up", async (HallRoute routeHall, string hallCode, int windowNo, HttpRequest http, IdempotencyKey idempotency, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            var (body, unreadable) = await OptionalBody<WalkUpRequest>(http);
            return unreadable ?? await Run(routeHall, hallCode, windowNo, user, directory, grains, async w =>
            {
                if (body?.Category is not { } category || !TicketNumber.IsCategoryCode(category))
                {
                    return Problems.Invalid("category", "category is one capital letter, e.g. A.");
                }

                var point = directory.Find(hallCode)!;
                if (point.Categories.All(c => c.Code != category))
                {
                    return Problems.NotFound($"Queue category of {hallCode}", category);
                }

                if (body.Item is { } item && !point.ItemCodes.Contains(item))
                {
                    return Problems.NotFound($"Item of {hallCode}", item);
                }

                var reply = await w.ServeWalkUp(category, body.Item, idempotency.Value);
                return !reply.IsOk ? WindowProblem(reply)
                    : TypedResults.Ok(new WalkUpDto(reply.WalkUp!.Id, reply.WalkUp.Category, reply.WalkUp.Item, windowNo, reply.WalkUp.ServedAt, reply.Window.ServedToday));
            });
        })
            .Produces<WalkUpDto>()
            .WithDescription("Body: WalkUpRequest {category, item?}. 404 for a category or item the hall does not have; 409 when the window is not open or does not serve the category.")
            .WithSummary("补录: record a service to a citizen without a ticket ({category, item?}); counted as served, never in the waits. Idempotency-Key makes a retry return the first answer.");

        windows.MapPut("/categories", async (HallRoute routeHall, string hallCode, int windowNo, HttpRequest http, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains) =>
        {
            var (body, unreadable) = await OptionalBody<WindowCategoriesRequest>(http);
            return unreadable ?? await Run(routeHall, hallCode, windowNo, user, directory, grains, async w =>
            {
                if (!user.IsInRole(Roles.Admin) && !user.IsInRole(Roles.HallManager))
                {
                    return Problems.Forbidden("Only the hall manager or an admin changes a window's categories.");
                }

                if (body?.Categories is not { Count: > 0 } categories || categories.Any(c => !TicketNumber.IsCategoryCode(c)))
                {
                    return Problems.Invalid("categories", "categories lists one or more category letters, in preference order, e.g. [\"B\",\"A\"].");
                }

                if (categories.FirstOrDefault(c => directory.Find(hallCode)!.Categories.All(h => h.Code != c)) is { } unknown)
                {
                    return Problems.Invalid("categories", $"Hall {hallCode} has no category '{unknown}'.");
                }

                return Window(await w.SetCategories(categories));
            });
        })
            .Produces<WindowStateDto>()
            .WithSummary("Change the categories a window serves (hall manager or admin): {categories:[...]} in preference order; takes effect at the next call-next.")
            .WithDescription("Body: WindowCategoriesRequest {categories}. 400 for a category the hall does not have; the hall's serving-window figures and wait predictions follow at once. A ticket the window holds stays with it.");

        // Kept as a local function so every window route shares one lookup and authorization path.
        static async Task<IResult> Run(HallRoute routeHall, string hallCode, int windowNo, ClaimsPrincipal user, ServicePointDirectory directory, IGrainFactory grains, Func<IWindowGrain, Task<IResult>> action)
        {
            if (routeHall.Point.Windows.All(w => w.WindowNo != windowNo))
            {
                return Problems.NotFound($"Window of {hallCode}", windowNo.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            if (!user.MayWorkWindow(hallCode, windowNo))
            {
                return Problems.Forbidden($"You may not work window {windowNo} of {hallCode}.");
            }

            return await action(grains.GetGrain<IWindowGrain>(WindowKeys.Of(hallCode, windowNo)));
        }
    }

    private static IResult Ok(WindowView view) => TypedResults.Ok(WindowStateDto.From(view));

    private static IResult Window(WindowReply reply) => reply.IsOk ? Ok(reply.Window) : WindowProblem(reply);

    private static IResult Ticket(WindowReply reply, int windowNo) =>
        !reply.IsOk ? WindowProblem(reply)
        : reply.Ticket is { } t ? TypedResults.Ok(new WindowTicketDto(
            t.Number, t.Category, TicketWire.State(t.State), t.State == TicketState.Parked ? null : t.WindowNo ?? windowNo, t.State == TicketState.Parked, t.ParkReason))
        : TypedResults.Ok(WindowStateDto.From(reply.Window));

    /// <summary>A refused window command: 400 bad input, 404 unknown ticket, else 409 naming the state and the allowed actions.</summary>
    private static IResult WindowProblem(WindowReply reply) => reply.Violation! switch
    {
        { Code: WindowViolationCode.InvalidRequest } v => Problems.Invalid("body", v.Message),
        { Code: WindowViolationCode.UnknownTicket } v => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "未找到 Not found", detail: v.Message),
        { Queue: { } q } => QueueProblem(q),
        { Code: WindowViolationCode.OutsideHours } v => Problems.Conflict(v.Message, new Dictionary<string, object?>
        {
            ["code"] = Camel(v.Code.ToString()),
            ["nextOpening"] = v.NextOpening is { } n ? HallClock.Iso(n) : null,
        }),
        var v => Problems.Conflict(v.Message, new Dictionary<string, object?>
        {
            ["code"] = Camel(v.Code.ToString()),
            ["windowState"] = reply.Window.Status.ToString().ToLowerInvariant(),
            ["state"] = reply.Window.Current is { } held ? TicketWire.State(held.State) : null,
            ["allowedActions"] = WindowActions(reply.Window),
        }),
    };

    private static ProblemHttpResult QueueProblem(QueueViolation v) => v.Code switch
    {
        QueueViolationCode.InvalidRequest => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "输入有误 Invalid input", detail: v.Message),
        QueueViolationCode.UnknownTicket => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "未找到 Not found", detail: $"{v.Message} / {v.MessageZh}"),
        _ => Problems.Conflict($"{v.Message} / {v.MessageZh}", new Dictionary<string, object?>
        {
            ["code"] = Camel(v.Code.ToString()),
            ["ticketNo"] = v.TicketNo,
            ["state"] = v.State is { } s ? TicketWire.State(s) : null,
            ["parked"] = v.State == TicketState.Parked ? true : null,
            ["allowedActions"] = v.State is { } st ? TicketActions(st) : null,
        }),
    };

    /// <summary>What may still be done to a ticket in <paramref name="state"/> (route names; cancel is the citizen's).</summary>
    public static IReadOnlyList<string> TicketActions(TicketState state) => state switch
    {
        TicketState.Waiting => ["call", "transfer", "cancel"],
        TicketState.Parked => ["unpark", "call", "transfer", "cancel"],
        TicketState.Called => ["recall", "no-show", "skip", "start", "park", "transfer", "cancel"],
        TicketState.Serving => ["finish", "park", "transfer"],
        _ => [],
    };

    /// <summary>What a window in this state may do next (route names).</summary>
    public static IReadOnlyList<string> WindowActions(WindowView v) => v switch
    {
        { Current: { } held } => [.. TicketActions(held.State).Where(a => a != "cancel" && a != "call"), .. v.Status == WindowStatus.Open ? Array.Empty<string>() : ["open"]],
        { Status: WindowStatus.Open } => ["call-next", "call", "unpark", "walk-up", "pause", "close"],
        _ => ["open", "unpark"],
    };

    /// <summary>A JSON body that may be absent (null); malformed JSON is a 400.</summary>
    private static async Task<(T? Body, IResult? Problem)> OptionalBody<T>(HttpRequest http)
        where T : class
    {
        if (http.ContentLength == 0 || (http.ContentLength is null && !http.Headers.TransferEncoding.Any()))
        {
            return (null, null);
        }

        try
        {
            return (await http.ReadFromJsonAsync<T>(http.HttpContext.RequestAborted), null);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return (null, Problems.Invalid("body", "The body is not valid JSON (or not application/json)."));
        }
    }

    private static ValidationProblem? BadTicketNo(string? ticketNo) =>
        ticketNo is null || !TicketNumber.TryParse(ticketNo, out _, out _) ? Problems.Invalid("ticketNo", "ticketNo is a ticket number like A012.") : null;

    private static bool TryPriority(string? text, out PriorityClass priority)
    {
        priority = PriorityClass.Normal;
        return text is null || (text is "normal" or "greenChannel" or "assisted" && Wire.TryParse(text, out priority));
    }

    private static string Camel(string s) => char.ToLowerInvariant(s[0]) + s[1..];
}
