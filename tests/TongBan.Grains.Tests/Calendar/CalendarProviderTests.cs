using TongBan.Grains.Calendar;
using static TongBan.Grains.Tests.Calendar.CalendarFixtures;

namespace TongBan.Grains.Tests.Calendar;

[Trait("Category", "Unit")]
public class CalendarProviderTests
{
    [Fact]
    public void LoadYear_SwapsTheCalendar_BumpsTheVersion_AndRaisesChangedOnce()
    {
        var provider = new CalendarProvider(Embedded);
        var events = new List<CalendarChangedEventArgs>();
        provider.Changed += (_, e) => events.Add(e);

        var provisional = provider.Current.AddWorkingDays(D("2026-12-20"), 10);
        var current = provider.LoadYear(Synthetic2027);

        Assert.Same(current, provider.Current);
        Assert.Equal(2, provider.Version);
        var change = Assert.Single(events);
        Assert.Same(Embedded, change.Previous);
        Assert.Same(current, change.Current);
        Assert.Equal([2027], change.ChangedYears);
        Assert.True(provisional.NeedsRecompute(provider.Current));
    }

    [Fact]
    public void LoadYear_WithIdenticalContent_ChangesNothing()
    {
        var provider = new CalendarProvider(Embedded);
        var raised = 0;
        provider.Changed += (_, _) => raised++;

        provider.LoadYear(Synthetic2027);
        provider.LoadYear(HolidayYearParser.Parse(Synthetic2027Json));
        Assert.Equal(1, raised);
        Assert.Equal(2, provider.Version);
    }

    [Fact]
    public void LoadYear_Rejected_LeavesTheCurrentCalendarInPlace()
    {
        var provider = new CalendarProvider(Embedded);
        Assert.Throws<HolidayDataException>(() => provider.LoadYear(Notice(2027, ("2026-02-14", true))));
        Assert.Same(Embedded, provider.Current);
    }

    [Fact]
    public void ConcurrentLoads_KeepEveryYear_AndEveryVersion()
    {
        var provider = new CalendarProvider(Embedded);
        var raised = 0;
        provider.Changed += (_, _) => Interlocked.Increment(ref raised);
        var years = Enumerable.Range(2028, 16).ToArray();

        Parallel.ForEach(
            years,
            new ParallelOptions { MaxDegreeOfParallelism = 4 },
            year => provider.LoadYear(Notice(year, ($"{year}-01-01", true))));

        Assert.All(years, y => Assert.True(provider.Current.IsPublished(y)));
        Assert.Equal(1 + years.Length, provider.Version);
        Assert.Equal(years.Length, raised);
    }

    [Fact]
    public void Update_MustRaiseTheVersion()
    {
        var provider = new CalendarProvider(Embedded);
        var ex = Assert.Throws<InvalidOperationException>(() => provider.Update(_ => WorkingDayCalendar.Create([])));
        Assert.Contains("must raise the version", ex.Message);
        Assert.Same(Embedded, provider.Update(c => c));
    }

    [Fact]
    public void FromEmbedded_StartsAtVersionOneWith2027Unpublished()
    {
        var provider = CalendarProvider.FromEmbedded();
        Assert.Equal(1, provider.Version);
        Assert.False(provider.Current.IsPublished(2027));
        Assert.True(provider.Current.IsPublished(2026));
    }
}
