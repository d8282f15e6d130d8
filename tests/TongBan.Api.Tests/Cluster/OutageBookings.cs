using System.Net.Http.Headers;
using System.Net.Http.Json;
using TongBan.Api.Tests.Infrastructure;
using TongBan.Grains.Calendar;

namespace TongBan.Api.Tests.Cluster;

/// <summary>What the outage tests share to book an appointment as a citizen on the next working day.</summary>
internal static class OutageBookings
{
    public static readonly TimeSpan China = TimeSpan.FromHours(8);

    public static HttpRequestMessage CitizenRequest(HttpMethod method, string path, string citizen, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint("citizen", citizen));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }

    public static DateOnly NextWorkingDay()
    {
        var calendar = WorkingDayCalendar.LoadEmbedded();
        var day = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(China).DateTime).AddDays(1);
        while (!calendar.IsWorkingDay(day))
        {
            day = day.AddDays(1);
        }

        return day;
    }
}
