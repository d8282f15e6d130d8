using TongBan.Grains.Identity;
using TongBan.Grains.Regions;

namespace TongBan.Grains.Cases;

/// <summary>The embedded mode's case store: the same contract as PostgreSQL, in process memory (not persisted).</summary>
/// <param name="outbox">Where the notifications of a commit go, under the same lock; null: a commit's notifications are dropped (tests that do not look at them).</param>
public sealed class InMemoryCaseStore(Notifications.InMemoryNotificationOutbox? outbox = null) : ICaseStore, IAuditStreamStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, (CaseState State, ApplicantRecord Applicant, CaseSummary Summary)> cases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<StoredAuditEntry>> audit = new(StringComparer.Ordinal);
    private readonly List<(long Id, string CaseNo, byte[] Hash)> log = [];
    private readonly List<byte[]> seals = [];

    public Task<StoredCase?> LoadAsync(string caseNo, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(cases.TryGetValue(caseNo, out var c)
                ? new StoredCase(c.State, c.Applicant, c.Summary, audit[caseNo][^1].Hash)
                : null);
        }
    }

    public Task<bool> CommitAsync(CaseState state, ApplicantRecord applicant, CaseSummary summary, CaseTimelineEntry entry, byte[] previousHash, byte[] hash, CancellationToken cancellationToken) =>
        CommitAsync(state, applicant, summary, entry, previousHash, hash, [], cancellationToken);

    public Task<bool> CommitAsync(CaseState state, ApplicantRecord applicant, CaseSummary summary, CaseTimelineEntry entry, byte[] previousHash, byte[] hash, IReadOnlyList<Notifications.OutboxEntry> notifications, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        lock (gate)
        {
            var stored = cases.TryGetValue(state.CaseNo, out var c) ? c.State.Version : 0;
            if (stored != state.Version - 1)
            {
                return Task.FromResult(false);
            }

            cases[state.CaseNo] = (state, applicant, summary);
            if (!audit.TryGetValue(state.CaseNo, out var entries))
            {
                audit[state.CaseNo] = entries = [];
            }

            entries.Add(new StoredAuditEntry(entry.Version, AuditChain.Canonical(entry), previousHash, hash));
            log.Add((log.Count + 1, state.CaseNo, hash));
            if (notifications.Count > 0)
            {
                outbox?.Enqueue(notifications, state.UpdatedAt);
            }

            return Task.FromResult(true);
        }
    }

    public Task UpdateSummaryAsync(CaseSummary summary, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (cases.TryGetValue(summary.CaseNo, out var c))
            {
                cases[summary.CaseNo] = c with { Summary = summary };
            }

            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<StoredAuditEntry>> AuditAsync(string caseNo, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<StoredAuditEntry>>(audit.TryGetValue(caseNo, out var e) ? [.. e] : []);
        }
    }

    public Task<int> SealAsync(int max, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var sealedNow = 0;
            while (seals.Count < log.Count && sealedNow < max)
            {
                var previous = seals.Count == 0 ? AuditChain.Genesis : seals[^1];
                seals.Add(AuditChain.SealOf(previous, log[seals.Count].Hash));
                sealedNow++;
            }

            return Task.FromResult(sealedNow);
        }
    }

    public Task<AuditVerification> VerifyAllAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var total = 0;
            foreach (var (caseNo, entries) in audit)
            {
                var result = AuditChain.VerifyCase(entries);
                if (!result.Valid)
                {
                    return Task.FromResult(result with { FirstBrokenAt = $"{caseNo}#{result.FirstBrokenAt}" });
                }

                total += entries.Count;
            }

            var global = AuditChain.VerifyGlobal(seals.Select((seal, i) => (log[i].Id, log[i].Hash, seal)));
            return Task.FromResult(global.Valid ? new AuditVerification(true, total, null) : global);
        }
    }

    public Task<IReadOnlyList<CaseSummary>> QueryAsync(CaseQuery q, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            IEnumerable<CaseSummary> rows = cases.Values.Select(c => c.Summary);
            rows = rows.Where(s =>
                (q.ApplicantIdKey is null || s.ApplicantIdKey == q.ApplicantIdKey) &&
                (q.ApplicantPhoneKey is null || s.ApplicantPhoneKey == q.ApplicantPhoneKey) &&
                (q.ApplicantIdKeys is null || q.ApplicantIdKeys.Contains(s.ApplicantIdKey, StringComparer.Ordinal)) &&
                (q.ApplicantPhoneKeys is null || q.ApplicantPhoneKeys.Contains(s.ApplicantPhoneKey, StringComparer.Ordinal)) &&
                (q.HallCode is null || s.ReceivingHallCode == q.HallCode) &&
                (q.DepartmentCode is null || s.DepartmentCode == q.DepartmentCode) &&
                (q.RegionCode is null || RegionRules.Covers(q.RegionCode, s.RegionCode)) &&
                (q.Status is null || s.Status == q.Status) &&
                (!q.OverdueOnly || s.Stage == "overdue") &&
                (!q.OpenOnly || s.Status is not (CaseStatus.NotAccepted or CaseStatus.Delivered or CaseStatus.Withdrawn)));
            return Task.FromResult<IReadOnlyList<CaseSummary>>([.. rows.OrderByDescending(s => s.SubmittedAt).ThenBy(s => s.CaseNo, StringComparer.Ordinal).Take(q.Limit)]);
        }
    }

    public Task<IReadOnlyList<OneVisitFigure>> OneVisitAsync(string? itemCode, string? regionCode, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var finished = cases.Values.Select(c => c.Summary)
                .Where(s => s.Status is CaseStatus.Delivered &&
                            (itemCode is null || s.ItemCode == itemCode) &&
                            (regionCode is null || RegionRules.Covers(regionCode, s.RegionCode)));
            return Task.FromResult<IReadOnlyList<OneVisitFigure>>([.. finished
                .GroupBy(s => (s.ItemCode, s.RegionCode))
                .OrderBy(g => g.Key.ItemCode, StringComparer.Ordinal).ThenBy(g => g.Key.RegionCode, StringComparer.Ordinal)
                .Select(g => new OneVisitFigure(
                    g.Key.ItemCode, g.Key.RegionCode, g.Count(), g.Count(s => s.Visits <= 1),
                    g.Any(s => s.ElapsedWorkingDays is not null) ? g.Where(s => s.ElapsedWorkingDays is not null).Average(s => s.ElapsedWorkingDays!.Value) : null))]);
        }
    }

    public Task<IReadOnlyList<OnTimeFigure>> OnTimeAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<OnTimeFigure>>([.. cases.Values.Select(c => c.Summary)
                .Where(s => CaseFigures.Finished.Contains(s.Status))
                .GroupBy(s => s.RegionCode, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new OnTimeFigure(g.Key, g.Count(), g.Count(s => s.Stage != "overdue")))]);
        }
    }

    public Task<IReadOnlyList<FlowFigure>> FlowsAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<FlowFigure>>([.. cases.Values.Select(c => c.Summary)
                .Where(s => CaseFigures.RegionOfHall(s.ReceivingHallCode) is { } from && from != s.RegionCode)
                .GroupBy(s => (From: CaseFigures.RegionOfHall(s.ReceivingHallCode)!, To: s.RegionCode))
                .Select(g => new FlowFigure(g.Key.From, g.Key.To, g.Count()))
                .OrderByDescending(f => f.Cases).ThenBy(f => f.FromRegionCode, StringComparer.Ordinal).ThenBy(f => f.ToRegionCode, StringComparer.Ordinal)]);
        }
    }

    public Task<int> RebuildProjectionAsync(Func<CaseState, ApplicantRecord, CaseSummary> project, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            foreach (var key in cases.Keys.ToList())
            {
                var c = cases[key];
                cases[key] = c with { Summary = project(c.State, c.Applicant) };
            }

            return Task.FromResult(cases.Count);
        }
    }

    public Task<IReadOnlyList<StoredAuditEntry>> ReadStreamAsync(string stream, CancellationToken cancellationToken) => AuditAsync(stream, cancellationToken);

    public Task<bool> AppendStreamAsync(string stream, StoredAuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (gate)
        {
            var entries = audit.TryGetValue(stream, out var e) ? e : null;
            var head = entries is { Count: > 0 } ? entries[^1] : null;
            if ((head?.Version ?? 0) != entry.Version - 1 || !(head?.Hash ?? AuditChain.Genesis).AsSpan().SequenceEqual(entry.PreviousHash))
            {
                return Task.FromResult(false);
            }

            if (entries is null)
            {
                audit[stream] = entries = [];
            }

            entries.Add(entry);
            log.Add((log.Count + 1, stream, entry.Hash));
            return Task.FromResult(true);
        }
    }

    /// <summary>Test hook: what an attacker with database access would do to one stored entry.</summary>
    public void TamperForTest(string caseNo, int version, Func<string, string> edit)
    {
        lock (gate)
        {
            var entries = audit[caseNo];
            var i = entries.FindIndex(e => e.Version == version);
            entries[i] = entries[i] with { Canonical = edit(entries[i].Canonical) };
        }
    }
}
