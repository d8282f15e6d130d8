using TongBan.Grains.Calendar;
using static TongBan.Grains.Tests.Calendar.CalendarFixtures;

namespace TongBan.Grains.Tests.Calendar;

/// <summary>
/// Property-style checks run exhaustively over every start date from December 2019 to December 2027
/// (all published years, the notice-year seams and the unpublished 2027), not over random samples.
/// </summary>
[Trait("Category", "Unit")]
public class WorkingDayPropertyTests
{
    private static readonly int[] Lengths = [0, 1, 2, 3, 5, 8, 13, 20, 30, 60];

    private static readonly WorkingDayCalendar[] Calendars = [Embedded, Embedded.WithYear(Synthetic2027)];

    private static IEnumerable<DateOnly> Starts => Range(D("2019-12-01"), D("2027-12-31"));

    [Fact]
    public void AddThenBetween_GivesTheSameNumberBack()
    {
        foreach (var cal in Calendars)
        {
            foreach (var start in Starts)
            {
                foreach (var n in Lengths)
                {
                    var due = cal.AddWorkingDays(start, n);
                    Assert.Equal(n, cal.WorkingDaysBetween(start, due.Date).Days);
                    Assert.Equal(-n, cal.WorkingDaysBetween(due.Date, start).Days);
                }
            }
        }
    }

    [Fact]
    public void AddWorkingDays_LandsOnAWorkingDay_WithNoWorkingDayBeforeItUncounted()
    {
        foreach (var start in Starts)
        {
            foreach (var n in Lengths.Where(n => n > 0))
            {
                var due = Embedded.AddWorkingDays(start, n).Date;
                Assert.True(Embedded.IsWorkingDay(due), $"{start} + {n} = {due} is not a working day");

                // The day before the result has one working day fewer: the result is the earliest such date.
                Assert.Equal(n - 1, Embedded.WorkingDaysBetween(start, due.AddDays(-1)).Days);
            }
        }
    }

    [Fact]
    public void AddWorkingDays_IsStrictlyMonotonicInTheNumberOfDays()
    {
        foreach (var start in Starts)
        {
            var previous = Embedded.AddWorkingDays(start, 0).Date;
            for (var n = 1; n <= 25; n++)
            {
                var next = Embedded.AddWorkingDays(start, n).Date;
                Assert.True(next > previous, $"{start}: +{n} = {next} is not after +{n - 1} = {previous}");
                previous = next;
            }
        }
    }

    [Fact]
    public void AddWorkingDays_IsMonotonicInTheStartDate()
    {
        foreach (var n in Lengths)
        {
            var previous = DateOnly.MinValue;
            foreach (var start in Starts)
            {
                var due = Embedded.AddWorkingDays(start, n).Date;
                Assert.True(due >= previous, $"+{n}: a later start {start} gives an earlier due date {due} < {previous}");
                previous = due;
            }
        }
    }

    [Fact]
    public void WorkingDaysBetween_IsAdditive_AndMatchesADayByDayCount()
    {
        var random = new Random(20260101); // fixed seed: reproducible
        var first = D("2019-12-01").DayNumber;
        var span = D("2027-12-31").DayNumber - first;
        for (var i = 0; i < 2_000; i++)
        {
            var a = DateOnly.FromDayNumber(first + random.Next(span));
            var b = DateOnly.FromDayNumber(first + random.Next(span));
            var c = DateOnly.FromDayNumber(first + random.Next(span));
            Assert.Equal(
                Embedded.WorkingDaysBetween(a, c).Days,
                Embedded.WorkingDaysBetween(a, b).Days + Embedded.WorkingDaysBetween(b, c).Days);

            var (low, high) = a <= b ? (a, b) : (b, a);
            var manual = Range(low.AddDays(1), high).Count(Embedded.IsWorkingDay);
            Assert.Equal(manual, Math.Abs(Embedded.WorkingDaysBetween(a, b).Days));
        }
    }

    [Fact]
    public void AResultIsProvisional_ExactlyWhenOneOfTheDatesItCountedIs()
    {
        foreach (var start in Starts.Where(d => d.Day % 3 == 0))
        {
            foreach (var n in Lengths)
            {
                var due = Embedded.AddWorkingDays(start, n);
                var expected = Range(start.AddDays(1), due.Date).Any(Embedded.IsProvisional);
                Assert.Equal(expected, due.Provisional);
            }
        }
    }

    [Fact]
    public void LoadingANewYear_ChangesOnlyResultsItFlagsForRecompute()
    {
        var loaded = Calendars[1];
        foreach (var start in Starts.Where(d => d.Day % 2 == 0))
        {
            foreach (var n in Lengths)
            {
                var before = Embedded.AddWorkingDays(start, n);
                var after = loaded.AddWorkingDays(start, n);
                if (!before.NeedsRecompute(loaded))
                {
                    Assert.Equal(before.Date, after.Date);
                }

                Assert.False(after.NeedsRecompute(loaded));
            }
        }
    }
}
