namespace TongBan.Grains.Calendar;

/// <summary>Raised after <see cref="CalendarProvider"/> switched to a new calendar.</summary>
public sealed class CalendarChangedEventArgs(WorkingDayCalendar previous, WorkingDayCalendar current, IReadOnlyList<int> changedYears) : EventArgs
{
    public WorkingDayCalendar Previous { get; } = previous;

    public WorkingDayCalendar Current { get; } = current;

    /// <summary>Notice years whose content stamp differs: results that touched one of these need recomputing.</summary>
    public IReadOnlyList<int> ChangedYears { get; } = changedYears;
}

/// <summary>
/// Holds the one current <see cref="WorkingDayCalendar"/> of a process; register it as a singleton
/// so every grain on a silo reads the same calendar. Swaps are atomic (compare-and-swap), so a
/// reader sees either the old or the new calendar, never a mix, and concurrent loads do not lose
/// each other's years. No Orleans types: spreading a load to the other silos and persisting the
/// loaded documents belong to the caller.
/// </summary>
/// <remarks>
/// Grains should read <see cref="Current"/> on each use and compare <see cref="WorkingDayCalendar.Version"/>
/// (or call <see cref="Deadline.NeedsRecompute"/>) rather than subscribe to <see cref="Changed"/>:
/// the event runs on the loader's thread, outside any grain's scheduler.
/// </remarks>
public sealed class CalendarProvider
{
    private WorkingDayCalendar current;

    public CalendarProvider(WorkingDayCalendar initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        current = initial;
    }

    /// <summary>Raised once per effective change, after the swap, on the thread that made it.</summary>
    public event EventHandler<CalendarChangedEventArgs>? Changed;

    /// <summary>The calendar in force. Take it once per operation so one computation sees one calendar.</summary>
    public WorkingDayCalendar Current => Volatile.Read(ref current);

    /// <summary>Shortcut for <c>Current.Version</c>: cheap to poll.</summary>
    public int Version => Current.Version;

    /// <summary>A provider over the notices shipped in the assembly.</summary>
    public static CalendarProvider FromEmbedded() => new(WorkingDayCalendar.LoadEmbedded());

    /// <summary>Loads (or amends, or withdraws) one notice year; see <see cref="WorkingDayCalendar.WithYear"/>.</summary>
    /// <returns>The calendar now in force.</returns>
    /// <exception cref="HolidayDataException">The notice contradicts another notice; nothing changes.</exception>
    public WorkingDayCalendar LoadYear(HolidayYear notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        return Update(calendar => calendar.WithYear(notice));
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the current calendar and installs the result atomically.
    /// <paramref name="change"/> may run more than once under contention, so it must be pure. It must
    /// return the same instance (no change) or one with a higher version, as
    /// <see cref="WorkingDayCalendar.WithYear"/> does, so versions only go up.
    /// </summary>
    public WorkingDayCalendar Update(Func<WorkingDayCalendar, WorkingDayCalendar> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        while (true)
        {
            var before = Current;
            var after = change(before) ?? throw new InvalidOperationException("The calendar change returned null.");
            if (ReferenceEquals(after, before))
            {
                return before;
            }

            if (after.Version <= before.Version)
            {
                throw new InvalidOperationException(
                    $"A calendar change must raise the version (was {before.Version}, got {after.Version}); derive it with WithYear.");
            }

            if (ReferenceEquals(Interlocked.CompareExchange(ref current, after, before), before))
            {
                Changed?.Invoke(this, new CalendarChangedEventArgs(before, after, ChangedYears(before, after)));
                return after;
            }
        }
    }

    private static int[] ChangedYears(WorkingDayCalendar before, WorkingDayCalendar after) =>
        [.. before.Notices.Select(n => n.Year)
            .Union(after.Notices.Select(n => n.Year))
            .Where(y => !string.Equals(before.StampOf(y), after.StampOf(y), StringComparison.Ordinal))
            .Order()];
}
