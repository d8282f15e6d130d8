using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using TongBan.Grains.Calendar;
using static TongBan.Grains.Tests.Calendar.CalendarFixtures;

namespace TongBan.Grains.Tests.Calendar;

/// <summary>Results end up in grain state, grain calls and API responses; they must survive all three.</summary>
[Trait("Category", "Unit")]
public class CalendarSerializationTests
{
    private static readonly Serializer Orleans = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    private static DeadlineStatus ProvisionalStatus() =>
        new DeadlineClock(D("2026-12-20"), 10, [new Suspension(D("2026-12-21"), D("2026-12-22"), "补正")])
            .Evaluate(Embedded, D("2026-12-23"));

    [Fact]
    public void DeadlineStatus_RoundTripsThroughTheOrleansSerializer()
    {
        var status = ProvisionalStatus();
        var copy = Orleans.Deserialize<DeadlineStatus>(Orleans.SerializeToArray(status));
        Assert.Equal(status, copy);
        Assert.NotNull(copy);
        Assert.True(copy.Provisional);
        Assert.True(copy.Due.NeedsRecompute(Embedded.WithYear(Synthetic2027)));
    }

    [Fact]
    public void SuspensionAndCalendarDay_RoundTripThroughTheOrleansSerializer()
    {
        var suspension = new Suspension(D("2026-03-04"), null, "补正");
        Assert.Equal(suspension, Orleans.Deserialize<Suspension>(Orleans.SerializeToArray(suspension)));
        var day = Embedded.Describe(D("2026-02-14"));
        Assert.Equal(day, Orleans.Deserialize<CalendarDay>(Orleans.SerializeToArray(day)));
    }

    [Fact]
    public void Deadline_RoundTripsThroughSystemTextJson_WithItsFlagsVisible()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var deadline = Embedded.AddWorkingDays(D("2026-12-20"), 10);
        var json = JsonSerializer.Serialize(deadline, options);
        Assert.Contains("\"date\":\"2027-01-01\"", json);
        Assert.Contains("\"provisional\":true", json);
        Assert.Equal(deadline, JsonSerializer.Deserialize<Deadline>(json, options));
    }
}
