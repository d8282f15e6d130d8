using TongBan.Grains.Cases;
using TongBan.Grains.Common;
using TongBan.Grains.Halls;
using TongBan.Grains.Identity;
using TongBan.Grains.Queues;
using TongBan.Grains.Ratings;
using TongBan.Grains.Tests.Cases;
using TongBan.Grains.Tests.Support;
using TongBan.Grains.Windows;

namespace TongBan.Grains.Tests.Ratings;

internal static class RatingTestKit
{
    private static readonly Lazy<ServicePointDirectory> Directory = new(() =>
    {
        var directory = new ServicePointDirectory(ClusterFixture.Regions.Value);
        directory.Load(ServicePointSeed.Generate(ClusterFixture.Regions.Value));
        return directory;
    });

    public static readonly RaterProof Token = new(RaterProofKind.TicketToken);

    /// <summary>Takes a ticket of the window's first category and serves it there: the ticket number and its day.</summary>
    public static async Task<(string TicketNo, DateOnly Day)> ServeTicket(IGrainFactory grains, string hall, int windowNo = 1, string clerk = "clerk-1")
    {
        var category = Directory.Value.Find(hall)!.Windows.Single(w => w.WindowNo == windowNo).Categories[0];
        var taken = await grains.Line(hall, category).Take(new TicketRequest(TicketKind.WalkIn));
        Assert.True(taken.IsOk, taken.Violation?.Message);
        var window = grains.GetGrain<IWindowGrain>(WindowKeys.Of(hall, windowNo));
        await window.Open(clerk);
        var called = await window.CallNext(null);
        Assert.Equal(taken.Value.Ticket.Number, called.Ticket?.Number);
        Assert.True((await window.Act(WindowCommand.Start, null)).IsOk);
        var finished = await window.Act(WindowCommand.Finish, null);
        Assert.Equal(TicketState.Done, finished.Ticket!.State);
        return (finished.Ticket.Number, DateOnly.FromDateTime(finished.Ticket.IssuedAt.ToOffset(ChinaTime.Offset).DateTime));
    }

    /// <summary>Takes a ticket and leaves it waiting.</summary>
    public static async Task<string> TakeTicket(IGrainFactory grains, string hall, int windowNo = 1)
    {
        var category = Directory.Value.Find(hall)!.Windows.Single(w => w.WindowNo == windowNo).Categories[0];
        return (await grains.Line(hall, category).Take(new TicketRequest(TicketKind.WalkIn))).Value.Ticket.Number;
    }

    public static RatingRequest Ticket(string hall, DateOnly day, string ticketNo, int level, string? comment = null, RaterProof? proof = null, RatingChannel channel = RatingChannel.Mobile) =>
        new(RatingTarget.Ticket(hall, day, ticketNo), level, channel, null, comment, proof ?? Token);

    public static Task<RatingOutcome> Rate(IGrainFactory grains, RatingRequest request) => grains.GetGrain<IRatingIntakeGrain>(0).Rate(request);

    public static Task<RollupView> Rollup(IGrainFactory grains, string scope, string id) => grains.GetGrain<IRatingRollupGrain>(RatingScopes.Key(scope, id)).Get();

    /// <summary>Waits for one-way reports (hall snapshot, live feed) or a delta's late arrival: polls until <paramref name="condition"/> holds (5 s at most).</summary>
    public static Task Eventually(Func<Task<bool>> condition, string what) => Poll.Until(condition, what, TimeSpan.FromSeconds(5));

    /// <summary>A case of rsj-001 (南明区) moved through the ordinary steps up to <paramref name="until"/>.</summary>
    public static async Task<string> Case(IGrainFactory grains, CaseStatus until)
    {
        var number = CaseNumber.Create(CaseFixture.Region, new DateOnly(2026, 3, 2), Random.Shared.Next(1000, 99999));
        var grain = grains.GetGrain<ICaseGrain>(number.Value);
        var applicant = new ApplicantRecord(CaseFixture.ApplicantKey, "phone-key", "张*", "520102**********36", "138****1234", [1, 2, 3]);
        var reply = await grain.Submit(CaseFixture.Item.Code, CaseFixture.Submission() with { CaseNo = number }, applicant);
        Assert.True(reply.Succeeded, reply.Failure?.Message);
        var state = reply.View!.State;
        foreach (var action in new[] { CaseAction.Receive, CaseAction.Accept, CaseAction.StartReview, CaseAction.Approve, CaseAction.Complete, CaseAction.Deliver })
        {
            if (state.Status == until)
            {
                break;
            }

            reply = await grain.Apply(CaseFixture.Command(action, state));
            Assert.True(reply.Succeeded, reply.Failure?.Message);
            state = reply.View!.State;
        }

        return number.Value;
    }
}
