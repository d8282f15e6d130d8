using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using TongBan.Api.Security;
using TongBan.Grains.Identity;
using TongBan.Grains.Queues;

namespace TongBan.Api.Endpoints;

/// <summary>
/// 诚信取号 — who may take which ticket (README, "Honest tickets"):
/// <list type="bullet">
/// <item>A priority (绿色通道 greenChannel, 帮办代办 assisted) is granted by the hall's staff (guide, clerk, hall manager; an
/// admin) or carried by a citizen's verified <c>priorityClass</c> claim; anyone else asking for one gets 403, never a
/// normal ticket instead (they would queue believing they had priority). A kiosk sets no priority, whoever uses it.</item>
/// <item>A remote ticket (远程取号) is taken by a signed-in citizen in their own name: 401 without a token, 403 for another role.</item>
/// <item>一人一号: the holder is the signed-in citizen (their resident ID) or, for a ticket issued by staff, the optional
/// <c>idNumber</c>/<c>phone</c> of the body; only staff may name a holder (else anyone could block a person by typing their
/// ID number). Anonymous walk-in and kiosk tickets have no holder and are not deduplicated.</item>
/// </list>
/// </summary>
public static partial class TicketRules
{
    /// <summary>The refusal of a take request (401/403, or 400 for a malformed holder), or the holder keys (null: anonymous) of an acceptable one.</summary>
    public static (ProblemHttpResult? Refusal, ValidationProblem? Invalid, string[]? PersonKeys) Check(
        ClaimsPrincipal user, string hallCode, TicketKind kind, PriorityClass priority, string? idNumber, string? phone, KeyedHash hash, DateOnly today)
    {
        var signedIn = user.Identity?.IsAuthenticated == true;
        var staff = signedIn && user.MayIssueHallTickets(hallCode);
        var citizen = signedIn && user.IsInRole(Roles.Citizen);
        var namesHolder = idNumber is not null || phone is not null;

        if (kind == TicketKind.Remote && !signedIn)
        {
            return (Unauthorized("A remote ticket (远程取号) needs sign-in: take it in the app or portal as yourself."), null, null);
        }

        if (kind == TicketKind.Remote && !citizen)
        {
            return (Problems.Forbidden("A remote ticket is taken by the citizen themself, signed in as a citizen; staff issue walk-in tickets."), null, null);
        }

        if (kind == TicketKind.Kiosk && priority != PriorityClass.Normal)
        {
            return (Problems.Forbidden("A kiosk (自助取号机) issues normal tickets only, with no priority; ask the guide at the reception desk for 绿色通道 or 帮办代办."), null, null);
        }

        if (priority != PriorityClass.Normal && !staff && !(citizen && HasVerifiedPriority(user, priority)))
        {
            return (Problems.Forbidden($"Priority {Wire.Name(priority)} is granted by the hall's staff (guide, clerk) or by a verified attribute of your sign-in, not declared by the caller; ask at the reception desk."), null, null);
        }

        if (namesHolder && !staff)
        {
            return (Problems.Forbidden("Only the hall's staff may take a ticket for a named person (idNumber, phone); a citizen signs in and takes one for themself."), null, null);
        }

        if (namesHolder)
        {
            string? id = null;
            string? mobile = null;
            if (idNumber is not null)
            {
                if (ResidentId.Validate(idNumber, today) is not { Id: { } valid })
                {
                    return (null, Problems.Invalid("idNumber", "idNumber must be a valid 18-character resident ID number."), null);
                }

                id = valid.Value;
            }

            if (phone is not null)
            {
                if (MobileNumber.Validate(phone) is not { Number: { } number })
                {
                    return (null, Problems.Invalid("phone", "phone must be an 11-digit mainland mobile number."), null);
                }

                mobile = number.Value;
            }

            return (null, null, TicketHolderKeys.Of(hash, id, mobile));
        }

        // A citizen's subject is their resident ID number (verified by the identity provider).
        return citizen && user.Claim(TongBanClaims.Subject) is { Length: > 0 } subject
            ? (null, null, TicketHolderKeys.Of(hash, subject, null))
            : (null, null, null);
    }

    /// <summary>Audit line for a granted priority: who granted it (staff role and id, or a citizen's verified claim: never their ID number).</summary>
    public static void LogGranted(ILogger logger, ClaimsPrincipal user, string hallCode, string ticketNo, PriorityClass priority)
    {
        if (priority == PriorityClass.Normal)
        {
            return;
        }

        if (user.MayIssueHallTickets(hallCode))
        {
            LogGrantedByStaff(logger, hallCode, ticketNo, Wire.Name(priority), user.Claim(TongBanClaims.Role) ?? "?", user.Claim(TongBanClaims.Subject) ?? "?");
        }
        else
        {
            LogGrantedByClaim(logger, hallCode, ticketNo, Wire.Name(priority));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: ticket {TicketNo} issued with priority {Priority}, granted by {Role} {StaffId}")]
    private static partial void LogGrantedByStaff(ILogger logger, string hallCode, string ticketNo, string priority, string role, string staffId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hall {HallCode}: ticket {TicketNo} issued with priority {Priority} on the citizen's verified priorityClass claim")]
    private static partial void LogGrantedByClaim(ILogger logger, string hallCode, string ticketNo, string priority);

    private static bool HasVerifiedPriority(ClaimsPrincipal user, PriorityClass priority) =>
        user.FindAll(TongBanClaims.PriorityClass).Any(c => c.Value == Wire.Name(priority));

    private static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "需要登录 Sign-in required", detail: detail);
}
