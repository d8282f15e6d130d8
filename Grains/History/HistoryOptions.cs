namespace TongBan.Grains.History;

/// <summary>Service history settings (<c>TongBan:History</c>).</summary>
public sealed class HistoryOptions
{
    public const string Section = "TongBan:History";

    /// <summary>服务记录 must be kept at least six months; a shorter retention is refused at start.</summary>
    public const int MinimumRetentionDays = 183;

    /// <summary>Days of history kept (default 3 years); older months are dropped by the retention job.</summary>
    public int RetentionDays { get; set; } = 3 * 365 + 1;

    /// <summary>Most records written by one store call.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>A batch is written at the latest this long after its first record was handed over.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Records waiting to be written at most; beyond it new records are dropped (and counted), never waited for.</summary>
    public int QueueCapacity { get; set; } = 50_000;

    /// <summary>How often the retention job runs (it also creates the coming months' partitions).</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>The longest span one report may cover (a longer one is refused with 400 naming this limit).</summary>
    public int MaxReportDays { get; set; } = 366;

    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        if (RetentionDays < MinimumRetentionDays)
        {
            throw new ArgumentException(
                $"{Section}:{nameof(RetentionDays)} is {RetentionDays}: service records (服务记录) must be kept at least {MinimumRetentionDays} days (6 months).");
        }

        if (BatchSize is < 1 or > 10_000)
        {
            throw new ArgumentException($"{Section}:{nameof(BatchSize)} is 1–10000.");
        }

        if (FlushInterval <= TimeSpan.Zero || FlushInterval > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException($"{Section}:{nameof(FlushInterval)} is above zero and at most one minute.");
        }

        if (QueueCapacity < BatchSize)
        {
            throw new ArgumentException($"{Section}:{nameof(QueueCapacity)} is at least {nameof(BatchSize)}.");
        }

        if (MaxReportDays is < 1 or > 3 * 366)
        {
            throw new ArgumentException($"{Section}:{nameof(MaxReportDays)} is 1–1098.");
        }

        if (RetentionInterval < TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException($"{Section}:{nameof(RetentionInterval)} is at least one minute.");
        }
    }
}
