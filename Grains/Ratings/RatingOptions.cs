namespace TongBan.Grains.Ratings;

/// <summary>
/// Configuration section <c>TongBan:Ratings</c>. The follow-up deadlines are the province's rule
/// (配置到省): the defaults are the rule several provinces use, 1 working day for the return visit
/// (回访核实) and 15 working days to rectify and reply (整改反馈).
/// </summary>
public sealed class RatingOptions
{
    public const string Section = "TongBan:Ratings";

    /// <summary>Days after service ends during which a rating is accepted (and after a reply, the fix rating).</summary>
    public int RatingWindowDays { get; set; } = 7;

    /// <summary>Working days after a 差评 within which the owner verifies it with the rater (回访核实).</summary>
    public int ReturnVisitWorkingDays { get; set; } = 1;

    /// <summary>Working days after a 差评 within which the owner rectifies and replies (整改反馈).</summary>
    public int ReplyWorkingDays { get; set; } = 15;

    /// <summary>Longest comment, in characters (Unicode scalar values: one per Chinese character).</summary>
    public int CommentMaxLength { get; set; } = 500;

    /// <summary>Longest staff note on a follow-up step or appeal.</summary>
    public int NoteMaxLength { get; set; } = 1000;

    /// <summary>How long after finishing a ticket the window's pad may still submit its rating.</summary>
    public int WindowPadMinutes { get; set; } = 30;

    /// <summary>How often each active roll-up recounts itself from the store and repairs a difference.</summary>
    public int ReconcileMinutes { get; set; } = 10;

    /// <summary>Base64 key (≥ 16 bytes) of the ticket rating tokens; derived from the privacy hash key when unset.</summary>
    public string? TokenKey { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        Check(RatingWindowDays, 1, 90, nameof(RatingWindowDays));
        Check(ReturnVisitWorkingDays, 0, 30, nameof(ReturnVisitWorkingDays));
        Check(ReplyWorkingDays, 1, 60, nameof(ReplyWorkingDays));
        Check(CommentMaxLength, 1, 2000, nameof(CommentMaxLength));
        Check(NoteMaxLength, 1, 4000, nameof(NoteMaxLength));
        Check(WindowPadMinutes, 1, 24 * 60, nameof(WindowPadMinutes));
        Check(ReconcileMinutes, 1, 24 * 60, nameof(ReconcileMinutes));
        if (ReplyWorkingDays < ReturnVisitWorkingDays)
        {
            throw new ArgumentException($"{Section}:{nameof(ReplyWorkingDays)} ({ReplyWorkingDays}) must not be shorter than {nameof(ReturnVisitWorkingDays)} ({ReturnVisitWorkingDays}).");
        }

        if (TokenKey is not null)
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(TokenKey);
            }
            catch (FormatException)
            {
                throw new ArgumentException($"{Section}:{nameof(TokenKey)} must be base64.");
            }

            if (key.Length < RatingTokens.MinimumKeyBytes)
            {
                throw new ArgumentException($"{Section}:{nameof(TokenKey)} must hold at least {RatingTokens.MinimumKeyBytes} bytes.");
            }
        }
    }

    private static void Check(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentException($"{Section}:{name} must be between {min} and {max}, got {value}.");
        }
    }
}
