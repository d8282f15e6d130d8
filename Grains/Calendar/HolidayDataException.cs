namespace TongBan.Grains.Calendar;

/// <summary>
/// A holiday notice was rejected. <see cref="Errors"/> lists every problem found, one message
/// each, so an operator can fix the whole document in one go (the API maps them to ProblemDetails).
/// </summary>
public sealed class HolidayDataException : FormatException
{
    public HolidayDataException(IEnumerable<string> errors)
        : this(errors.ToArray())
    {
    }

    private HolidayDataException(string[] errors)
        : base(Summarise(errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<string> Errors { get; }

    private static string Summarise(string[] errors) => errors.Length switch
    {
        0 => "The holiday notice is invalid.",
        1 => errors[0],
        _ => $"The holiday notice has {errors.Length} problems: " + string.Join(" ", errors),
    };
}
