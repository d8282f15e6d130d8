using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Api.Tests.Postgres;
using TongBan.Grains.Calendar;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Silo.Postgres;

namespace TongBan.Api.Tests.Cluster;

/// <summary>
/// A case whose daily deadline reminder is due during an outage test. A case's stage (onTrack → warning at 80 % of its
/// working days → overdue) changes only when the China date does, and the silos' clock is the real one (only the
/// appointment books have a test offset), so the test cannot let days pass. Instead it uses the case store seam the page
/// tests use for old cases (<c>PastCases</c>): the case is committed as the case grain committed it on its acceptance
/// day, a past working day chosen so that today is in the warning stage, with the projection of that day (onTrack).
/// Its "deadline" reminder row is written through Orleans' own ADO.NET reminder table, as the grain registers it on
/// acceptance (daily), with its next tick at <c>due</c> instead of the next 00:05. Only that reminder can then turn the
/// stored stage into warning: nothing else touches the case.
/// </summary>
internal sealed class OutageDeadlineCase
{
    public const string ReminderName = "deadline";
    private const string ItemCode = "rsj-001";
    private const string County = "520102";
    private const string Hall = "520102-H001";
    private static readonly TimeSpan China = OutageBookings.China;

    private OutageDeadlineCase(string caseNo, DateOnly acceptedOn, DateTimeOffset due)
    {
        CaseNo = caseNo;
        AcceptedOn = acceptedOn;
        Due = due;
    }

    public string CaseNo { get; }

    public DateOnly AcceptedOn { get; }

    /// <summary>When the reminder's next tick is.</summary>
    public DateTimeOffset Due { get; }

    /// <summary>The stage the reminder must find today (China date of now): warning, unless the date moved on meanwhile.</summary>
    public string ExpectedStageNow(CaseState state) => Stage(state, Today());

    public static async Task<(OutageDeadlineCase Case, CaseState State)> PlantAsync(string connectionString, DateTimeOffset due)
    {
        var calendar = CaseData.Calendar;
        var today = Today();
        var protector = new PersonalDataProtector(PrivacyOptions.DerivedFrom(SiloProcess.SigningKey));
        var applicant = protector.Record(CaseData.Zhang);

        // The latest past working day on which an accepted case is on track and by today in its warning stage.
        var day = today.AddDays(-1);
        while (!(calendar.IsWorkingDay(day) && Stage(Accepted(day), day) == "onTrack" && Stage(Accepted(day), today) == "warning"))
        {
            day = day.AddDays(-1);
            Assert.True(day > today.AddDays(-60), $"no acceptance day puts a {ItemCode} case in the warning stage on {today}");
        }

        await using var db = NpgsqlDataSource.Create(connectionString);
        var store = new PostgresCaseStore(db);
        var caseNo = CaseNumber.Create(County, day, 990_001 + Random.Shared.Next(9_000));
        var (submitted, _) = CaseDriver.Submission(ItemCode, caseNo, CaseData.Zhang, County, At(day, 9, 30), CaseChannel.Window, Hall);
        var hash = await CommitAsync(store, submitted, applicant, AuditChain.Genesis, day, visits: 1);
        var state = submitted.State!;
        foreach (var (action, minute) in new[] { (CaseAction.Receive, 31), (CaseAction.Accept, 32) })
        {
            var step = CaseData.Machine(ItemCode).Apply(state, CaseData.Command(action, state), At(day, 9, minute));
            Assert.True(step.Succeeded, $"{action}: {step.Failure?.Message}");
            hash = await CommitAsync(store, step, applicant, hash, day, visits: 1);
            state = step.State!;
        }

        // The reminder the grain registers on acceptance: daily; its next tick at `due`.
        await using var services = ReminderTable(connectionString);
        var table = services.GetRequiredService<IReminderTable>();
        await table.StartAsync();
        await table.UpsertRow(new ReminderEntry
        {
            GrainId = GrainId.Create("case", caseNo.Value),
            ReminderName = ReminderName,
            StartAt = due.UtcDateTime,
            Period = TimeSpan.FromDays(1),
        });
        return (new OutageDeadlineCase(caseNo.Value, day, due), state);
    }

    /// <summary>The projection's stage and the reminder rows of this case, read from the database.</summary>
    public async Task<(string? Stage, long Reminders)> ReadAsync(string connectionString)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var stage = db.CreateCommand("select stage from tongban.case_record where case_no = $1");
        stage.Parameters.AddWithValue(CaseNo);
        await using var reminders = db.CreateCommand("select count(*) from orleans.reminder where reminder_name = $1 and grain_id like $2");
        reminders.Parameters.AddWithValue(ReminderName);
        reminders.Parameters.AddWithValue($"%{CaseNo}%");
        return ((string?)await stage.ExecuteScalarAsync(), (long)(await reminders.ExecuteScalarAsync())!);
    }

    private static async Task<byte[]> CommitAsync(PostgresCaseStore store, CaseTransitionResult result, ApplicantRecord applicant, byte[] previous, DateOnly asOf, int visits)
    {
        var state = result.State!;
        var hash = AuditChain.Link(previous, AuditChain.Canonical(result.Entry!), AuditChain.Sha256);
        var summary = CaseProjection.Summarize(state, applicant, visits, state.EvaluateDeadline(CaseData.Calendar, asOf));
        Assert.True(await store.CommitAsync(state, applicant, summary, result.Entry!, previous, hash, CancellationToken.None), $"commit v{state.Version}");
        return hash;
    }

    private static CaseState Accepted(DateOnly day)
    {
        var (submitted, _) = CaseDriver.Submission(ItemCode, CaseNumber.Create(County, day, 1), CaseData.Zhang, County, At(day, 9, 30), CaseChannel.Window, Hall);
        var state = submitted.State!;
        foreach (var action in new[] { CaseAction.Receive, CaseAction.Accept })
        {
            state = CaseData.Machine(ItemCode).Apply(state, CaseData.Command(action, state), At(day, 9, 31)).State!;
        }

        return state;
    }

    private static string Stage(CaseState state, DateOnly asOf) =>
        CaseProjection.Summarize(state, CaseData.Record(CaseData.Zhang), 1, state.EvaluateDeadline(CaseData.Calendar, asOf)).Stage;

    private static DateOnly Today() => DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(China).DateTime);

    private static DateTimeOffset At(DateOnly day, int hour, int minute) => new(day.ToDateTime(new TimeOnly(hour, minute)), China);

    private static ServiceProvider ReminderTable(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddOptions();
        services.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = "tongban";
            o.ServiceId = "tongban";
        });
        services.UseAdoNetReminderService(o => o.Configure(options =>
        {
            options.Invariant = PostgresMode.Invariant;
            options.ConnectionString = PostgresSettings.FromConnectionString(connectionString, "tongban:test").OrleansConnectionString;
        }));
        return services.BuildServiceProvider();
    }
}
