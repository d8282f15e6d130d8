using Npgsql;
using TongBan.Grains.Cases;
using TongBan.Grains.Identity;
using TongBan.Grains.Notifications;

namespace TongBan.Silo.Postgres;

/// <summary>
/// Cases in <c>tongban.case_record</c> (state and applicant as jsonb, the <see cref="CaseSummary"/> projection as
/// indexed columns), their hash-chained audit entries in <c>tongban.case_audit</c> and the global chain of seals
/// in <c>tongban.case_audit_seal</c> (migration 0006).
/// </summary>
/// <remarks>
/// The work is split by job, one class each: <see cref="PostgresCaseWriter"/> (load and commit),
/// <see cref="PostgresAuditStreams"/> (audit reads and non-case streams), <see cref="PostgresAuditSealing"/> (the
/// global chain), <see cref="PostgresAuditVerifier"/> (whole-log verification) and <see cref="PostgresCaseQueries"/>
/// (searches, reports, projection rebuild). This class puts them behind <see cref="ICaseStore"/>; it holds no logic.
/// One instance per silo: the sealing part keeps the frontier it has proven between rounds.
/// </remarks>
public sealed class PostgresCaseStore(NpgsqlDataSource dataSource) : ICaseStore, IAuditStreamStore
{
    private readonly PostgresCaseWriter writer = new(dataSource);
    private readonly PostgresAuditStreams streams = new(dataSource);
    private readonly PostgresAuditSealing sealing = new(dataSource);
    private readonly PostgresAuditVerifier verifier = new(dataSource);
    private readonly PostgresCaseQueries queries = new(dataSource);

    public Task<StoredCase?> LoadAsync(string caseNo, CancellationToken cancellationToken) => writer.LoadAsync(caseNo, cancellationToken);

    public Task<bool> CommitAsync(CaseState state, ApplicantRecord applicant, CaseSummary summary, CaseTimelineEntry entry, byte[] previousHash, byte[] hash, CancellationToken cancellationToken) =>
        writer.CommitAsync(state, applicant, summary, entry, previousHash, hash, [], cancellationToken);

    public Task<bool> CommitAsync(CaseState state, ApplicantRecord applicant, CaseSummary summary, CaseTimelineEntry entry, byte[] previousHash, byte[] hash, IReadOnlyList<OutboxEntry> notifications, CancellationToken cancellationToken) =>
        writer.CommitAsync(state, applicant, summary, entry, previousHash, hash, notifications, cancellationToken);

    public Task UpdateSummaryAsync(CaseSummary summary, CancellationToken cancellationToken) => writer.UpdateSummaryAsync(summary, cancellationToken);

    public Task<IReadOnlyList<StoredAuditEntry>> AuditAsync(string caseNo, CancellationToken cancellationToken) => streams.AuditAsync(caseNo, cancellationToken);

    public Task<IReadOnlyList<StoredAuditEntry>> ReadStreamAsync(string stream, CancellationToken cancellationToken) => streams.ReadStreamAsync(stream, cancellationToken);

    public Task<bool> AppendStreamAsync(string stream, StoredAuditEntry entry, CancellationToken cancellationToken) => streams.AppendStreamAsync(stream, entry, cancellationToken);

    public Task<int> SealAsync(int max, CancellationToken cancellationToken) => sealing.SealAsync(max, cancellationToken);

    public Task<AuditVerification> VerifyAllAsync(CancellationToken cancellationToken) => verifier.VerifyAllAsync(cancellationToken);

    public Task<IReadOnlyList<CaseSummary>> QueryAsync(CaseQuery query, CancellationToken cancellationToken) => queries.QueryAsync(query, cancellationToken);

    public Task<IReadOnlyList<OneVisitFigure>> OneVisitAsync(string? itemCode, string? regionCode, CancellationToken cancellationToken) =>
        queries.OneVisitAsync(itemCode, regionCode, cancellationToken);

    public Task<IReadOnlyList<OnTimeFigure>> OnTimeAsync(CancellationToken cancellationToken) => queries.OnTimeAsync(cancellationToken);

    public Task<IReadOnlyList<FlowFigure>> FlowsAsync(CancellationToken cancellationToken) => queries.FlowsAsync(cancellationToken);

    public Task<int> RebuildProjectionAsync(Func<CaseState, ApplicantRecord, CaseSummary> project, CancellationToken cancellationToken) =>
        queries.RebuildProjectionAsync(project, cancellationToken);
}
