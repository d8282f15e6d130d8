using System.Globalization;
using TongBan.Grains.Common;

namespace TongBan.Grains.Notifications;

/// <summary>Pure timing rules of the dispatcher: retry backoff and quiet hours.</summary>
public static class NotificationRules
{
    /// <summary>Exponential backoff: base × 2^(attempts − 1), at most <paramref name="max"/>.</summary>
    public static TimeSpan Backoff(int attempts, TimeSpan baseDelay, TimeSpan max)
    {
        var factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var delay = TimeSpan.FromSeconds(baseDelay.TotalSeconds * factor);
        return delay < max ? delay : max;
    }

    /// <summary>
    /// When <paramref name="now"/> falls in quiet hours [start, end) in China time (the span may cross midnight), the
    /// instant they end; otherwise null. Equal start and end mean no quiet hours.
    /// </summary>
    public static DateTimeOffset? QuietUntil(DateTimeOffset now, TimeOnly start, TimeOnly end)
    {
        if (start == end)
        {
            return null;
        }

        var local = now.ToOffset(ChinaTime.Offset);
        var time = TimeOnly.FromDateTime(local.DateTime);
        var quiet = start < end ? time >= start && time < end : time >= start || time < end;
        if (!quiet)
        {
            return null;
        }

        var endDay = time < end ? local.Date : local.Date.AddDays(1);
        return new DateTimeOffset(endDay + end.ToTimeSpan(), ChinaTime.Offset);
    }

    public static TimeOnly ParseTime(string text) => TimeOnly.ParseExact(text, "HH:mm", CultureInfo.InvariantCulture);
}
