using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TongBan.Grains.Cases;
using TongBan.Grains.Common;

namespace TongBan.Silo.Postgres;

/// <summary>
/// The <see cref="CaseSummary"/> projection columns of <c>tongban.case_record</c> (migration 0006) and how they are
/// read and written; shared by the case writer and the case queries so the column order lives in one place.
/// </summary>
internal static class CaseRecordColumns
{
    internal const string SummaryColumns =
        "case_no, item_code, status, department_code, region_code, receiving_hall_code, channel, submitted_at, updated_at, " +
        "due_date, stage, visits, version, applicant_id_key, applicant_phone_key, deadline_provisional, elapsed_working_days";

    private static readonly Dictionary<string, CaseStatus> StatusByName =
        Enum.GetValues<CaseStatus>().ToDictionary(CaseNames.Of, StringComparer.Ordinal);

    private static readonly Dictionary<string, CaseChannel> ChannelByName =
        Enum.GetValues<CaseChannel>().ToDictionary(CaseNames.Of, StringComparer.Ordinal);

    internal static JsonSerializerOptions Json => PostgresServicePointStore.Json;

    /// <summary>$6..$20 of the commit statements, $2..$16 of the summary update: the projection columns in table order.</summary>
    internal static void AddSummaryParameters(NpgsqlParameterCollection p, CaseSummary s)
    {
        p.Add(new NpgsqlParameter<string> { TypedValue = s.ItemCode });
        p.Add(new NpgsqlParameter<string> { TypedValue = CaseNames.Of(s.Status) });
        p.Add(new NpgsqlParameter<string> { TypedValue = s.DepartmentCode });
        p.Add(new NpgsqlParameter<string> { TypedValue = s.RegionCode });
        p.Add(new NpgsqlParameter { Value = (object?)s.ReceivingHallCode ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<string> { TypedValue = CaseNames.Of(s.Channel) });
        // Npgsql writes timestamptz from UTC values only; the offset is restored (China time) when read.
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = s.SubmittedAt.ToUniversalTime() });
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = s.UpdatedAt.ToUniversalTime() });
        p.Add(new NpgsqlParameter { Value = s.DueDate is { } due ? due : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
        p.Add(new NpgsqlParameter<string> { TypedValue = s.Stage });
        p.Add(new NpgsqlParameter<int> { TypedValue = s.Visits });
        p.Add(new NpgsqlParameter<string> { TypedValue = s.ApplicantIdKey });
        p.Add(new NpgsqlParameter<string> { TypedValue = s.ApplicantPhoneKey });
        p.Add(new NpgsqlParameter<bool> { TypedValue = s.DeadlineProvisional });
        p.Add(new NpgsqlParameter { Value = s.ElapsedWorkingDays is { } days ? days : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
    }

    internal static DateTimeOffset Exact(DateTimeOffset column, DateTimeOffset state) =>
        column.UtcTicks == state.UtcTicks - (state.UtcTicks % 10) ? state : column;

    /// <summary>Columns 0..16 as listed in <see cref="SummaryColumns"/>.</summary>
    internal static CaseSummary ReadSummary(NpgsqlDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        StatusByName[r.GetString(2)],
        r.GetString(3),
        r.GetString(4),
        r.IsDBNull(5) ? null : r.GetString(5),
        ChannelByName[r.GetString(6)],
        r.GetFieldValue<DateTimeOffset>(7).ToOffset(ChinaTime.Offset),
        r.GetFieldValue<DateTimeOffset>(8).ToOffset(ChinaTime.Offset),
        r.IsDBNull(9) ? null : r.GetFieldValue<DateOnly>(9),
        r.GetString(10),
        r.GetInt32(11),
        r.GetInt32(12),
        r.GetString(13),
        r.GetString(14),
        r.GetBoolean(15),
        r.IsDBNull(16) ? null : r.GetInt32(16));
}
