namespace TongBan.Grains.Notifications;

/// <summary>How a citizen is reached. Wire names: <c>sms</c>, <c>weChat</c>, <c>app</c> (see <see cref="NotificationNames"/>).</summary>
public enum NotificationChannel
{
    /// <summary>短信, to the mobile number the citizen gave.</summary>
    Sms,

    /// <summary>微信订阅消息 (subscribeMessage.send), to the citizen's mini-program openid.</summary>
    WeChat,

    /// <summary>云上贵州多彩宝 (the province app), through its signed webhook, to the citizen's app user id.</summary>
    App,
}

/// <summary>Where a notification stands. <see cref="Dead"/> is a dead letter: retries exhausted, an admin may retry it.</summary>
public enum NotificationState
{
    /// <summary>Waiting to be sent (also while a dispatcher holds its lease, or deferred by quiet hours or a rate limit).</summary>
    Queued,

    /// <summary>The provider accepted it (its receipt is recorded).</summary>
    Sent,

    /// <summary>The provider reported delivery to the handset or app.</summary>
    Delivered,

    /// <summary>The provider refused it for good (invalid number, bad template, not subscribed): retrying cannot help.</summary>
    Failed,

    /// <summary>Retries exhausted (provider down or rate limiting too long): waits for an admin's retry.</summary>
    Dead,

    /// <summary>Not sent on purpose: <see cref="SuppressionReasons"/>.</summary>
    Suppressed,
}

/// <summary>Why a notification was not sent (or waits): wire values of <c>reason</c>.</summary>
public static class SuppressionReasons
{
    /// <summary>The citizen did not choose this channel (or gave no address for it).</summary>
    public const string NoConsent = "noConsent";

    /// <summary>退订: the recipient opted out of this channel.</summary>
    public const string OptOut = "optOut";

    /// <summary>More than the daily limit for this recipient and channel.</summary>
    public const string RateLimit = "rateLimit";

    /// <summary>21:00–08:00 (+08:00): a message that can wait is deferred to 08:00 (state stays queued).</summary>
    public const string QuietHours = "quietHours";

    /// <summary>What it was about went away before its moment (a reminder of an appointment cancelled, moved or closed by the hall).</summary>
    public const string Cancelled = "cancelled";
}

/// <summary>
/// The citizen's choice of channels for a case or booking (渠道选择), with the addresses other than the phone
/// (which the applicant record already holds), sealed: openid and app user id are personal data too.
/// </summary>
/// <param name="Channels">Chosen channels; empty means no consent (nothing is sent, the outbox shows <c>noConsent</c>).</param>
/// <param name="SealedContacts"><see cref="NotificationContacts"/> as sealed JSON; null when only SMS was chosen.</param>
[GenerateSerializer, Immutable]
public sealed record NotificationConsent(
    [property: Id(0)] IReadOnlyList<NotificationChannel> Channels,
    [property: Id(1)] byte[]? SealedContacts = null);

/// <summary>Addresses for the non-SMS channels; exists only in memory and sealed at rest.</summary>
public sealed record NotificationContacts(string? WeChatOpenId, string? AppUserId);

/// <summary>
/// One notification to write into the outbox. (<see cref="EventId"/>, <see cref="Channel"/>, <see cref="RecipientKey"/>)
/// is its key: writing the same key again changes nothing, which is what makes a retried command or a replayed
/// hand-over send once.
/// </summary>
/// <param name="EventId">The causing event, stable across retries: <c>case:{caseNo}:v{version}</c>, <c>appointment:{id}:confirmed</c>, <c>ticket:…</c>.</param>
/// <param name="Subject">What the notification is about, for the visibility routes: <c>case:{caseNo}</c>.</param>
/// <param name="RecipientKey">Keyed hash of the address (never the address itself): the key and the rate limits use it.</param>
/// <param name="RecipientMasked">The address masked for every view (138****5678).</param>
/// <param name="SealedAddress">The address sealed with the privacy key; null when suppressed for want of one.</param>
/// <param name="Template">A <see cref="NotificationTemplates"/> name.</param>
/// <param name="Parameters">The template's parameters in its order: only what the text needs, never an ID number.</param>
/// <param name="SuppressedReason">Set when the entry is recorded as suppressed from the start (no consent).</param>
/// <param name="NotBefore">Not sent before this instant (a reminder's moment); null: at once. The dispatcher's lease makes it go once across silos.</param>
public sealed record OutboxEntry(
    string EventId,
    string Subject,
    NotificationChannel Channel,
    string RecipientKey,
    string RecipientMasked,
    byte[]? SealedAddress,
    string Template,
    IReadOnlyList<string> Parameters,
    string? SuppressedReason = null,
    DateTimeOffset? NotBefore = null);

/// <summary>A stored notification: the entry plus its delivery record.</summary>
public sealed record NotificationRecord(
    long Id,
    OutboxEntry Entry,
    NotificationState State,
    string? Reason,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset? SentAt,
    DateTimeOffset? DeliveredAt,
    string? Receipt,
    string? LastError);

/// <summary>What a dispatcher writes back after working a leased record (only while it still holds the lease).</summary>
public sealed record NotificationUpdate(
    NotificationState State,
    string? Reason,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset? SentAt = null,
    string? Receipt = null,
    string? LastError = null);

/// <summary>Outbox depth for admins: queued, sending now, failed, dead letters; the oldest queued record's age.</summary>
public sealed record OutboxStats(int Queued, int Leased, int Sent, int Delivered, int Failed, int Dead, int Suppressed, DateTimeOffset? OldestQueuedAt);

/// <summary>Exact wire names (camelCase), as <c>Cases.CaseNames</c> does for cases.</summary>
public static class NotificationNames
{
    public static string Of(NotificationChannel channel) => channel switch
    {
        NotificationChannel.Sms => "sms",
        NotificationChannel.WeChat => "weChat",
        NotificationChannel.App => "app",
        _ => throw new ArgumentOutOfRangeException(nameof(channel)),
    };

    public static string Of(NotificationState state) => char.ToLowerInvariant(state.ToString()[0]) + state.ToString()[1..];

    public static bool TryParse(string? text, out NotificationChannel channel)
    {
        foreach (var c in Enum.GetValues<NotificationChannel>())
        {
            if (string.Equals(Of(c), text, StringComparison.Ordinal))
            {
                channel = c;
                return true;
            }
        }

        channel = default;
        return false;
    }

    public static NotificationState ParseState(string text) =>
        Enum.GetValues<NotificationState>().First(s => string.Equals(Of(s), text, StringComparison.Ordinal));
}
