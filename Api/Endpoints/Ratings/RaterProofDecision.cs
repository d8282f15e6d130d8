using System.Globalization;
using TongBan.Grains.Cases;
using TongBan.Grains.Queues;
using TongBan.Grains.Ratings;

namespace TongBan.Api.Endpoints;

/// <summary>What the caller's token says about them, as far as rating goes.</summary>
/// <param name="WindowNo">The window a clerk's token is signed in at (the rating pad), or null.</param>
public sealed record RaterIdentity(
    bool Authenticated, bool Citizen, bool HotlineAgent, bool Clerk, string? Subject, string? HallCode, int? WindowNo);

/// <summary>Why a rating request is refused before it reaches the grains.</summary>
public enum RaterRefusalKind
{
    /// <summary>400: the named field is wrong.</summary>
    Invalid,

    /// <summary>401: no sign-in and no rating token.</summary>
    Unauthorized,

    /// <summary>403: signed in, but not as someone who may rate this target.</summary>
    Forbidden,
}

public sealed record RaterRefusal(RaterRefusalKind Kind, string Message, string? Field = null);

/// <summary>
/// The target and the rater's proof, or why there is none. An <see cref="RaterProofKind.Applicant"/> proof still lacks
/// its <see cref="RaterProof.RaterKey"/>: the endpoint reads it from the case (the keyed hash the case was stored under).
/// </summary>
public sealed record RaterDecision(RatingTarget? Target, RaterProof? Proof, RaterRefusal? Refusal)
{
    public static RaterDecision Refuse(RaterRefusalKind kind, string message, string? field = null) => new(null, null, new RaterRefusal(kind, message, field));
}

/// <summary>
/// 好差评 rater proof (<c>POST /api/ratings</c>): who may rate what, decided from the request and the caller's token alone.
/// A case is rated by its applicant (citizen token) or through a 12345 agent; a ticket with its rating token (评价码, from
/// the slip or the take-ticket answer) or on the pad of the window that served it (a clerk token signed in at a window
/// of that hall). Without a sign-in the answer is 401, with the wrong one 403. The hall's existence is checked by the
/// caller before this runs (a 404 comes first).
/// </summary>
public static class RaterProofDecision
{
    /// <param name="verifyToken">The ticket's day when the token belongs to (hallCode, ticketNo), else null.</param>
    public static RaterDecision Decide(
        string? caseNo, string? hallCode, string? ticketNo, string? ratingToken, string? day, RaterIdentity who,
        Func<string, string, string, DateOnly?> verifyToken, DateOnly today)
    {
        if (caseNo is not null)
        {
            return DecideCase(caseNo, hallCode, ticketNo, who);
        }

        if (hallCode is null || ticketNo is null)
        {
            return RaterDecision.Refuse(RaterRefusalKind.Invalid, "Rate a ticket (hallCode + ticketNo) or a case (caseNo).", "hallCode");
        }

        if (!TicketNumber.TryParse(ticketNo, out _, out _))
        {
            return RaterDecision.Refuse(RaterRefusalKind.Invalid, "A ticket number looks like A012.", "ticketNo");
        }

        if (ratingToken is not null)
        {
            return verifyToken(hallCode, ticketNo, ratingToken) is { } tokenDay
                ? new RaterDecision(RatingTarget.Ticket(hallCode, tokenDay, ticketNo), new RaterProof(RaterProofKind.TicketToken), null)
                : RaterDecision.Refuse(RaterRefusalKind.Forbidden, "The rating token does not belong to this ticket.");
        }

        if (who is { Clerk: true, WindowNo: { } windowNo } && who.HallCode == hallCode)
        {
            var served = today;
            if (day is not null && !DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out served))
            {
                return RaterDecision.Refuse(RaterRefusalKind.Invalid, "day is yyyy-MM-dd.", "day");
            }

            return new RaterDecision(
                RatingTarget.Ticket(hallCode, served, ticketNo), new RaterProof(RaterProofKind.WindowPad, who.Subject, hallCode, windowNo), null);
        }

        return who.Authenticated
            ? RaterDecision.Refuse(RaterRefusalKind.Forbidden, "A ticket is rated with its ratingToken, or on the pad of the window that served it (a clerk token signed in at that window of this hall).")
            : RaterDecision.Refuse(RaterRefusalKind.Unauthorized, "A ticket rating needs its ratingToken (from the ticket slip or the take-ticket answer) or the window pad's sign-in.");
    }

    private static RaterDecision DecideCase(string caseNo, string? hallCode, string? ticketNo, RaterIdentity who)
    {
        if (hallCode is not null || ticketNo is not null)
        {
            return RaterDecision.Refuse(RaterRefusalKind.Invalid, "Rate either a case (caseNo) or a ticket (hallCode + ticketNo), not both.", "caseNo");
        }

        if (!CaseNumber.TryParse(caseNo, out var number))
        {
            return RaterDecision.Refuse(RaterRefusalKind.Invalid, "A case number looks like GZ5201022611270000011.", "caseNo");
        }

        var target = RatingTarget.Case(number.Value);
        if (who.Citizen)
        {
            return new RaterDecision(target, new RaterProof(RaterProofKind.Applicant), null);
        }

        if (who.HotlineAgent)
        {
            return new RaterDecision(target, new RaterProof(RaterProofKind.HotlineAgent, who.Subject), null);
        }

        return who.Authenticated
            ? RaterDecision.Refuse(RaterRefusalKind.Forbidden, "A case is rated by its applicant (citizen token) or through a 12345 agent.")
            : RaterDecision.Refuse(RaterRefusalKind.Unauthorized, "Sign in as the applicant to rate a case.");
    }
}
