using System.Diagnostics;
using System.Text.Json;
using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Catalogue;
using TongBan.Grains.Common;
using TongBan.Grains.Identity;

namespace TongBan.CaseBench;

/// <summary>
/// Persisted case transitions through an <see cref="ICaseStore"/>, as a stateless handler would do them: load the
/// case → apply one transition with <see cref="CaseStateMachine"/> → project → chain the audit entry → commit.
/// Each worker walks its own cases through submit, receive, accept, startReview, suspend, resume, approve,
/// complete, deliver (9 commits per case), so workers never conflict; a refused commit is an error.
/// With <paramref name="holdState"/> it does what a case grain does once activated: it keeps the state, applicant
/// and chain head it committed in memory and only commits (no load). <paramref name="chainHash"/> names the audit link
/// algorithm (default <see cref="ChainHash"/>), so one run can drive an SM3 and a SHA-256 workload side by side.
/// </summary>
internal sealed class CaseWorkload(ICaseStore store, int workers, bool holdState = false, string? chainHash = null)
{
    private static readonly ServiceItem Item = ServiceCatalogue.Seeded().Find("rsj-001")!;
    private static readonly CaseStateMachine Machine = new(Item);
    private static readonly WorkingDayCalendar Calendar = WorkingDayCalendar.LoadEmbedded();
    private static readonly PersonalDataProtector Protector = new(PrivacyOptions.Development());
    private static long numbers;

    /// <summary>The audit link algorithm (<c>--chain sha256|sm3</c>; SM3 is what a case grain writes under the default suite).</summary>
    public static string ChainHash { get; set; } = AuditChain.Sm3;

    /// <summary>The audit link algorithm this workload writes.</summary>
    public string Chain { get; } = chainHash ?? ChainHash;

    private static readonly CaseAction?[] Steps =
    [
        null, CaseAction.Receive, CaseAction.Accept, CaseAction.StartReview, CaseAction.Suspend, CaseAction.Resume,
        CaseAction.Approve, CaseAction.Complete, CaseAction.Deliver,
    ];

    private static readonly IReadOnlyList<SubmittedMaterial> Materials =
        [.. Item.Materials.Select(m => m.ReplaceableBy is { } licence
            ? new SubmittedMaterial(m.Id, ELicence: new ELicenceCitation(licence, $"EL-52-{m.Id}"))
            : new SubmittedMaterial(m.Id, m.Copies, m.OriginalRequired))];

    private readonly Worker[] state = [.. Enumerable.Range(0, workers).Select(w => new Worker(Protector.Record(
        new ApplicantDetails("张三", "520102199003071236", $"1398501{w:0000}"))))];

    /// <summary>Time spent in load, in the pure step (apply, project, hash) and in commit, summed over workers.</summary>
    public (TimeSpan Load, TimeSpan Compute, TimeSpan Commit, long Operations) Breakdown()
    {
        var load = state.Sum(w => w.LoadTicks);
        var compute = state.Sum(w => w.ComputeTicks);
        var commit = state.Sum(w => w.CommitTicks);
        return (Ticks(load), Ticks(compute), Ticks(commit), state.Sum(w => w.Operations));
        static TimeSpan Ticks(long t) => TimeSpan.FromSeconds(t / (double)Stopwatch.Frequency);
    }

    public void ResetBreakdown()
    {
        foreach (var w in state)
        {
            w.LoadTicks = w.ComputeTicks = w.CommitTicks = w.Operations = 0;
        }
    }

    /// <summary>The stored JSON of a case in review: the size the raw baseline's jsonb copies.</summary>
    public static string SampleStateJson()
    {
        var now = ChinaTime.Now(TimeProvider.System);
        var s = Machine.Submit(Submission(CaseNumber.Create("520102", new DateOnly(2026, 1, 1), 1), Protector.Record(new ApplicantDetails("张三", "520102199003071236", "13985012345"))), now).State!;
        foreach (var action in Steps.Skip(1).Take(3))
        {
            s = Machine.Apply(s, Command(action!.Value, s), now).State!;
        }

        return JsonSerializer.Serialize(s, TongBan.Silo.Postgres.PostgresServicePointStore.Json);
    }

    /// <summary>The pure parts of a step, for <see cref="Micro"/>.</summary>
    public static IEnumerable<(string Name, Action Action)> MicroSteps(CaseState inReview, ApplicantRecord applicant)
    {
        var now = ChinaTime.Now(TimeProvider.System);
        var result = Machine.Apply(inReview, Command(CaseAction.Approve, inReview), now);
        yield return ("apply (approve)", () => Machine.Apply(inReview, Command(CaseAction.Approve, inReview), now));
        yield return ("project", () => Project(result.State!, applicant));
        yield return ("canonical + link", () => AuditChain.Link(AuditChain.Genesis, AuditChain.Canonical(result.Entry!), CaseWorkload.ChainHash));
    }

    public async Task StepAsync(int worker)
    {
        var w = state[worker];
        var t0 = Stopwatch.GetTimestamp();
        var now = ChinaTime.Now(TimeProvider.System);
        var action = Steps[w.Step];
        CaseTransitionResult result;
        byte[] previous;
        ApplicantRecord applicant;
        if (action is null)
        {
            w.CaseNo = NextNumber();
            if (!holdState && await store.LoadAsync(w.CaseNo.Value, CancellationToken.None) is not null)
            {
                throw new InvalidOperationException($"{w.CaseNo} exists already.");
            }

            var t1 = Stopwatch.GetTimestamp();
            w.LoadTicks += t1 - t0;
            t0 = t1;
            result = Machine.Submit(Submission(w.CaseNo, w.Applicant), now);
            previous = AuditChain.Genesis;
            applicant = w.Applicant;
        }
        else if (holdState)
        {
            result = Machine.Apply(w.State!, Command(action.Value, w.State!), now);
            previous = w.LastHash!;
            applicant = w.Applicant;
        }
        else
        {
            var stored = await store.LoadAsync(w.CaseNo!.Value, CancellationToken.None) ?? throw new InvalidOperationException($"{w.CaseNo} is gone.");
            var t1 = Stopwatch.GetTimestamp();
            w.LoadTicks += t1 - t0;
            t0 = t1;
            result = Machine.Apply(stored.State, Command(action.Value, stored.State), now);
            previous = stored.LastHash;
            applicant = stored.Applicant;
        }

        if (!result.Succeeded)
        {
            throw new InvalidOperationException(result.Failure!.Message);
        }

        var next = result.State!;
        var summary = Project(next, applicant);
        var hash = AuditChain.Link(previous, AuditChain.Canonical(result.Entry!), Chain);
        var t2 = Stopwatch.GetTimestamp();
        w.ComputeTicks += t2 - t0;
        if (!await store.CommitAsync(next, applicant, summary, result.Entry!, previous, hash, CancellationToken.None))
        {
            throw new InvalidOperationException($"{w.CaseNo} v{next.Version}: commit refused.");
        }

        w.CommitTicks += Stopwatch.GetTimestamp() - t2;
        w.State = next;
        w.LastHash = hash;
        w.Operations++;
        w.Step = (w.Step + 1) % Steps.Length;
    }

    /// <summary>Unique numbers across runs of one process: a new day every 999,999 cases.</summary>
    private static CaseNumber NextNumber()
    {
        var n = Interlocked.Increment(ref numbers) - 1;
        return CaseNumber.Create("520102", new DateOnly(2026, 1, 1).AddDays((int)(n / CaseNumber.MaxSequence)), (int)(n % CaseNumber.MaxSequence) + 1);
    }

    private static CaseSubmission Submission(CaseNumber caseNo, ApplicantRecord applicant) =>
        new(caseNo, applicant.IdKey, CaseChannel.Window, "520102", 1, Materials, Clerk, "520102-H001", "窗口收件");

    private static readonly CaseActor Clerk = new("clerk-0007", CaseRole.Clerk, "李*（7号窗口）", "520102-H001", 7, null, "520102");

    private static CaseCommand Command(CaseAction action, CaseState s)
    {
        var approver = new CaseActor("approver-0003", CaseRole.Approver, "王*", null, null, s.DepartmentCode, s.RegionCode);
        return action switch
        {
            CaseAction.Receive => new(action, s.Version, Clerk, Materials: Materials),
            CaseAction.Accept => new(action, s.Version, Clerk),
            CaseAction.Deliver => new(action, s.Version, Clerk, DeliveryMethod: DeliveryMethod.Ems, TrackingNumber: "EA123456789CN"),
            CaseAction.Suspend => new(action, s.Version, approver, Reason: "照片不符合制卡要求，需补正"),
            CaseAction.Approve => new(action, s.Version, approver, Comment: "符合条件，准予制卡"),
            _ => new(action, s.Version, approver),
        };
    }

    /// <summary>The projection a case grain writes with each commit (deadline figures as of today, visits).</summary>
    private static CaseSummary Project(CaseState s, ApplicantRecord a)
    {
        var deadline = s.EvaluateDeadline(Calendar, ChinaTime.Today(TimeProvider.System));
        var stage = deadline is null ? "none" : JsonNamingPolicy.CamelCase.ConvertName(deadline.Stage.ToString());
        var visits = (s.Channel == CaseChannel.Window ? 1 : 0) + (s.Delivery?.Method == DeliveryMethod.Pickup ? 1 : 0);
        return new CaseSummary(s.CaseNo, s.ItemCode, s.Status, s.DepartmentCode, s.RegionCode, s.ReceivingHallCode, s.Channel,
            s.SubmittedAt, s.UpdatedAt, deadline?.Due.Date, stage, visits, s.Version, a.IdKey, a.PhoneKey,
            deadline?.Provisional ?? false, s.CompletedAt is null ? null : deadline?.ElapsedWorkingDays);
    }

    private sealed class Worker(ApplicantRecord applicant)
    {
        public ApplicantRecord Applicant { get; } = applicant;

        public CaseNumber? CaseNo { get; set; }

        public int Step { get; set; }

        public CaseState? State { get; set; }

        public byte[]? LastHash { get; set; }

        public long LoadTicks { get; set; }

        public long ComputeTicks { get; set; }

        public long CommitTicks { get; set; }

        public long Operations { get; set; }
    }
}
