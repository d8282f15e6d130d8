using System.Diagnostics.CodeAnalysis;

namespace TongBan.Grains.Queues;

/// <summary>Why a queue operation was refused; the HTTP layer maps every code to 409 (400 for <see cref="InvalidRequest"/>).</summary>
public enum QueueViolationCode
{
    /// <summary>Malformed input: bad window number, category, or appointment data.</summary>
    InvalidRequest,

    /// <summary>The idempotency key was already used today for a different request.</summary>
    IdempotencyKeyConflict,

    /// <summary>No ticket with this number in this queue today.</summary>
    UnknownTicket,

    /// <summary>The ticket's state does not allow the action (e.g. finishing a ticket that is already done).</summary>
    InvalidState,

    /// <summary>The ticket is held by another window.</summary>
    WrongWindow,

    /// <summary>The window already holds a called or serving ticket of this queue.</summary>
    WindowBusy,

    /// <summary>The previous announcement was too recent to announce again.</summary>
    RecallTooSoon,

    /// <summary>Not enough recalls (or too little time since the last one) to mark a no-show.</summary>
    NoShowTooEarly,

    /// <summary>A transfer would put a second live copy of the same ticket number in this queue.</summary>
    DuplicateTicket,

    /// <summary>一人一号: the person already holds an open ticket of this queue (named by <see cref="QueueViolation.TicketNo"/>).</summary>
    AlreadyHoldsTicket = 20,
}

/// <summary>A refused operation: a machine code and a specific reason in English and Chinese.</summary>
/// <param name="State">The ticket's state when refused, when a ticket was involved.</param>
[GenerateSerializer, Immutable]
public sealed record QueueViolation(
    [property: Id(0)] QueueViolationCode Code,
    [property: Id(1)] string Message,
    [property: Id(2)] string MessageZh,
    [property: Id(3)] string? TicketNo = null,
    [property: Id(4)] TicketState? State = null)
{
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>For callers that prefer exceptions: thrown by <see cref="QueueResult{T}.Value"/> on a refused operation.</summary>
[GenerateSerializer]
public sealed class QueueRuleViolationException(QueueViolation violation) : Exception(violation.Message)
{
    [Id(0)]
    public QueueViolation Violation { get; } = violation;
}

/// <summary>
/// Outcome of a queue operation: a value, or a <see cref="QueueViolation"/>. Rule violations are
/// expected outcomes (a clerk double-clicks, a citizen cancels twice), so they are values, not exceptions.
/// </summary>
[GenerateSerializer]
public readonly struct QueueResult<T>
{
    [Id(0)]
    private readonly T? value;

    [Id(1)]
    private readonly QueueViolation? violation;

    private QueueResult(T? value, QueueViolation? violation)
    {
        this.value = value;
        this.violation = violation;
    }

    [MemberNotNullWhen(false, nameof(Violation))]
    public bool IsOk => violation is null;

    public QueueViolation? Violation => violation;

    /// <summary>The value; throws <see cref="QueueRuleViolationException"/> if the operation was refused.</summary>
    public T Value => violation is null ? value! : throw new QueueRuleViolationException(violation);

    public static QueueResult<T> Ok(T value) => new(value, null);

    public static QueueResult<T> Fail(QueueViolation violation) => new(default, violation ?? throw new ArgumentNullException(nameof(violation)));

    public static implicit operator QueueResult<T>(T value) => Ok(value);

    public static implicit operator QueueResult<T>(QueueViolation violation) => Fail(violation);

    public override string ToString() => violation is null ? $"Ok({value})" : violation.ToString();
}
