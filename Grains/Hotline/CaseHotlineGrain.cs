using System.Text.Json;
using Microsoft.Extensions.Logging;
using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Common;
using TongBan.Grains.Live;

namespace TongBan.Grains.Hotline;

/// <summary>
/// The hotline log of one case (keyed by case number): urges, complaints and the department's
/// answers, hash-chained. Kept beside the case rather than in it: the case's audit log is tied to
/// its version (one entry per transition, versions 1…n, checked by <c>expectedVersion</c>), and an
/// urge changes nothing the state machine decides on. Each entry names the case version it saw,
/// which links the two logs. Non-reentrant: one write at a time keeps the chain linear.
/// </summary>
public interface ICaseHotlineGrain : IGrainWithStringKey
{
    /// <summary>Registers an urge or a complaint; a repeated Idempotency-Key returns the first result.</summary>
    Task<HotlineResult> Register(HotlineCaseRef target, HotlineRequest request);

    /// <summary>The department answers urge or complaint <paramref name="seq"/>.</summary>
    Task<HotlineResult> Respond(HotlineCaseRef target, int seq, string actorId, CaseRole role, string text);

    Task<IReadOnlyList<HotlineEntry>> Entries();

    /// <summary>Re-computes the chain: <c>{valid, entries, firstBrokenAt?}</c>.</summary>
    Task<AuditVerification> VerifyLog();
}

[GenerateSerializer]
public sealed class CaseHotlineState
{
    [Id(0)]
    public List<HotlineEntry> Entries { get; set; } = [];

    /// <summary>Hash of each entry (SHA-256 over the previous hash and the entry's canonical JSON).</summary>
    [Id(1)]
    public List<byte[]> Hashes { get; set; } = [];
}

public sealed partial class CaseHotlineGrain(
    [PersistentState("casehotline", StorageNames.Default)] IPersistentState<CaseHotlineState> state,
    CalendarProvider calendar,
    TimeProvider clock,
    Crypto.CryptoOptions crypto,
    ILogger<CaseHotlineGrain> logger) : Grain, ICaseHotlineGrain
{
    /// <summary>Client method of the live hub for hotline log changes (additive to the published ones).</summary>
    public const string LiveMethod = "caseHotlineChanged";

    /// <summary>Client method of the live hub for complaints about a hall, to its manager desk.</summary>
    public const string HallComplaintMethod = "hallComplaintChanged";

    private List<HotlineEntry> Log => state.State.Entries;

    public async Task<HotlineResult> Register(HotlineCaseRef target, HotlineRequest request)
    {
        if (request.IdempotencyKey is { } key && Log.FirstOrDefault(e => e.IdempotencyKey == key && e.ActorId == request.ActorId) is { } seen)
        {
            return new HotlineResult(seen, null, seen.Kind == HotlineEntryKind.Urge ? HotlineRules.Calls(Log, seen.RepeatOf ?? seen.Seq) : 1);
        }

        if (HotlineRules.Check(target, request) is { } failure)
        {
            return new HotlineResult(null, failure);
        }

        var now = ChinaTime.Now(clock);
        var repeated = request.Kind == HotlineEntryKind.Urge ? HotlineRules.OpenUrge(Log) : null;
        var due = repeated?.ResponseDue ?? HotlineRules.ResponseDue(request.Kind, DateOnly.FromDateTime(now.DateTime), calendar.Current);
        var forHall = request.Subject == ComplaintSubject.HallConduct;
        var entry = new HotlineEntry(
            target.CaseNo, Log.Count + 1, request.Kind, now, request.ActorId, request.Role, request.Text.Trim(), target.Status, target.Version,
            due, null, repeated?.Seq, request.Category, request.IdempotencyKey, forHall ? ComplaintSubject.HallConduct : null, forHall ? request.HallCode : null);
        await Append(entry);

        var first = repeated ?? entry;
        var calls = request.Kind == HotlineEntryKind.Urge ? HotlineRules.Calls(Log, first.Seq) : 1;
        await BoxOf(target, first).Upsert(new HotlineWorkItem(
            target.CaseNo, first.Seq, first.Kind, first.At, first.ResponseDue!.Value, first.Text, calls, target.ItemCode, first.Category, first.HallCode));
        await Announce(entry);
        if (entry.ForHall)
        {
            await AnnounceToHall(entry, "open");
        }

        LogRegistered(logger, target.CaseNo, request.Kind, entry.Seq, request.ActorId, due);
        return new HotlineResult(entry, null, calls);
    }

    public async Task<HotlineResult> Respond(HotlineCaseRef target, int seq, string actorId, CaseRole role, string text)
    {
        if (HotlineRules.CheckResponse(Log, seq, text) is { } failure)
        {
            return new HotlineResult(null, failure);
        }

        var now = ChinaTime.Now(clock);
        var answered = Log.First(e => e.Seq == seq);
        var entry = new HotlineEntry(target.CaseNo, Log.Count + 1, HotlineEntryKind.Response, now, actorId, role, text.Trim(), target.Status, target.Version,
            null, seq, null, null, null);
        await Append(entry);
        await BoxOf(target, answered).Remove(target.CaseNo, seq);
        await Announce(entry);
        await NotifyUrgeAnswered(entry);
        if (answered.ForHall)
        {
            await AnnounceToHall(answered, "answered");
        }
        return new HotlineResult(entry, null);
    }

    public Task<IReadOnlyList<HotlineEntry>> Entries() => Task.FromResult<IReadOnlyList<HotlineEntry>>([.. Log]);

    public Task<AuditVerification> VerifyLog()
    {
        var previous = AuditChain.Genesis;
        for (var i = 0; i < Log.Count; i++)
        {
            if (Log[i].Seq != i + 1 || i >= state.State.Hashes.Count || !AuditChain.Links(previous, Canonical(Log[i]), state.State.Hashes[i]))
            {
                return Task.FromResult(new AuditVerification(false, Log.Count, Log[i].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            previous = state.State.Hashes[i];
        }

        return Task.FromResult(new AuditVerification(true, Log.Count, null, AuditChain.Algorithms(state.State.Hashes)));
    }

    public static string Canonical(HotlineEntry entry) => JsonSerializer.Serialize(entry, AuditChain.Json);

    private async Task Append(HotlineEntry entry)
    {
        var previous = state.State.Hashes.Count == 0 ? AuditChain.Genesis : state.State.Hashes[^1];
        Log.Add(entry);
        state.State.Hashes.Add(AuditChain.Link(previous, Canonical(entry), AuditChain.For(crypto)));
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not written: drop it from memory too, so the log never shows what storage does not hold.
            Log.RemoveAt(Log.Count - 1);
            state.State.Hashes.RemoveAt(state.State.Hashes.Count - 1);
            throw;
        }
    }

    /// <summary>Where an item waits for its answer: the hall's box for a hall-conduct complaint, else the department's.</summary>
    private IHotlineBoxGrain BoxOf(HotlineCaseRef target, HotlineEntry item) => GrainFactory.GetGrain<IHotlineBoxGrain>(
        item is { ForHall: true, HallCode: { } hall } ? HotlineBoxKeys.Hall(hall) : HotlineBoxKeys.Department(target.DepartmentCode, target.RegionCode));

    /// <summary>
    /// Tells the hall's manager desk (staff group) and the hall's dashboard (its public group, like <c>hallCasesChanged</c>: no text,
    /// no personal data) that its complaint list changed; the dashboard re-reads the list with the manager's token.
    /// </summary>
    private async Task AnnounceToHall(HotlineEntry complaint, string state)
    {
        var change = new HallComplaintChanged(complaint.HallCode!, complaint.CaseNo, complaint.Seq, complaint.Category, complaint.ResponseDue, state);
        await GrainFactory.PublishLive(new LiveMessage(LiveGroups.HallDesk(complaint.HallCode!), HallComplaintMethod, change));
        await GrainFactory.PublishLive(new LiveMessage(LiveGroups.Hall(complaint.HallCode!), HallComplaintMethod, change));
    }

    private Task Announce(HotlineEntry entry) => GrainFactory.PublishLive(new LiveMessage(
        LiveGroups.Case(entry.CaseNo), LiveMethod,
        new CaseHotlineChanged(entry.CaseNo, char.ToLowerInvariant(entry.Kind.ToString()[0]) + entry.Kind.ToString()[1..], entry.Seq, entry.ResponseDue)));

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseNo}: hotline {Kind} #{Seq} by {ActorId}, answer due {Due}")]
    private static partial void LogRegistered(ILogger logger, string caseNo, HotlineEntryKind kind, int seq, string actorId, DateOnly due);
}
