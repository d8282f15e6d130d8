using TongBan.Grains.Queues;
using static TongBan.Grains.Tests.Queues.QueueTestKit;

namespace TongBan.Grains.Tests.Queues;

[Trait("Category", "Unit")]
public class TicketNumberingTests
{
    [Theory]
    [InlineData("A", 1, "A001")]
    [InlineData("B", 12, "B012")]
    [InlineData("A", 999, "A999")]
    [InlineData("A", 1000, "A1000")]
    [InlineData("G", 12345, "G12345")]
    public void Format_pads_to_three_digits_and_grows_past_999(string category, int sequence, string expected) =>
        Assert.Equal(expected, TicketNumber.Format(category, sequence));

    [Theory]
    [InlineData("A001", "A", 1)]
    [InlineData("B999", "B", 999)]
    [InlineData("A1000", "A", 1000)]
    public void TryParse_reads_well_formed_numbers(string text, string category, int sequence)
    {
        Assert.True(TicketNumber.TryParse(text, out var c, out var s));
        Assert.Equal((category, sequence), (c, s));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("A01")]
    [InlineData("A000")]
    [InlineData("A0001")]
    [InlineData("a001")]
    [InlineData("AB001")]
    [InlineData("A00x")]
    [InlineData("1001")]
    public void TryParse_rejects_malformed_numbers(string? text) =>
        Assert.False(TicketNumber.TryParse(text, out _, out _));

    [Fact]
    public void Format_rejects_bad_input()
    {
        Assert.Throws<ArgumentException>(() => TicketNumber.Format("AB", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TicketNumber.Format("A", 0));
    }

    [Fact]
    public void Numbers_are_sequential_per_category_queue()
    {
        var a = NewQueue("A");
        var b = NewQueue("B");
        Assert.Equal("A001", a.Take(At(9, 0)));
        Assert.Equal("A002", a.Take(At(9, 1)));
        Assert.Equal("B001", b.Take(At(9, 1)));
        Assert.Equal("A003", a.Take(At(9, 2)));
    }

    [Fact]
    public void Cancelled_numbers_are_never_reused()
    {
        var q = NewQueue();
        var first = q.Take(At(9, 0));
        _ = q.Cancel(first, At(9, 1)).Value;
        Assert.Equal("A002", q.Take(At(9, 2)));
    }

    [Fact]
    public void Past_999_numbering_continues_with_four_digits_and_never_wraps()
    {
        var q = NewQueue();
        var seen = new HashSet<string>();
        for (var i = 0; i < 1001; i++)
        {
            Assert.True(seen.Add(q.Take(At(9, 0).AddSeconds(i))));
        }

        Assert.Contains("A999", seen);
        Assert.Contains("A1000", seen);
        Assert.Contains("A1001", seen);
        Assert.DoesNotContain("A000", seen);
        Assert.Equal(1001, q.Counts.Issued);
    }

    [Fact]
    public void Numbering_resets_at_local_midnight_not_utc_midnight()
    {
        var q = NewQueue();
        Assert.Equal("A001", q.Take(new DateTimeOffset(2025, 3, 10, 23, 59, 59, China)));

        // 2025-03-10T16:30Z is 00:30 on the 11th in Guizhou: a new day although UTC is still the 10th.
        Assert.Equal("A001", q.Take(new DateTimeOffset(2025, 3, 10, 16, 30, 0, TimeSpan.Zero)));
        Assert.Equal(new DateOnly(2025, 3, 11), q.Day);
    }

    [Fact]
    public void Day_key_is_the_local_date_even_when_utc_is_on_another_date()
    {
        var q = NewQueue();
        Assert.Equal("A001", q.Take(new DateTimeOffset(2025, 3, 10, 1, 0, 0, TimeSpan.Zero)));   // 09:00 local
        Assert.Equal("A002", q.Take(new DateTimeOffset(2025, 3, 10, 15, 59, 59, TimeSpan.Zero))); // 23:59:59 local
        Assert.Equal(new DateOnly(2025, 3, 10), q.Day);
    }

    [Fact]
    public void Times_are_stored_in_china_time_whatever_offset_the_caller_used()
    {
        var q = NewQueue();
        var number = q.Take(new DateTimeOffset(2025, 3, 10, 1, 0, 0, TimeSpan.Zero));
        Assert.Equal(China, q.Find(number)!.IssuedAt.Offset);
        Assert.Equal(At(9, 0), q.Find(number)!.IssuedAt);
    }

    [Fact]
    public void A_clock_that_goes_back_across_midnight_does_not_reopen_the_previous_day()
    {
        var q = NewQueue();
        _ = q.Take(new DateTimeOffset(2025, 3, 11, 0, 0, 1, China));
        Assert.Null(q.RollOver(new DateTimeOffset(2025, 3, 10, 23, 59, 58, China)));
        Assert.Equal("A002", q.Take(new DateTimeOffset(2025, 3, 10, 23, 59, 59, China)));
        Assert.Equal(new DateOnly(2025, 3, 11), q.Day);
    }

    [Fact]
    public void Same_idempotency_key_returns_the_same_ticket_never_a_second_one()
    {
        var q = NewQueue();
        var request = new TicketRequest(TicketKind.Kiosk, IdempotencyKey: "kiosk-7:0001");
        var first = q.Take(request, 1, At(9, 0)).Value;
        var retry = q.Take(request, 1, At(9, 3)).Value;

        Assert.Equal(first.Ticket.Number, retry.Ticket.Number);
        Assert.Equal(first.Ticket.IssuedAt, retry.Ticket.IssuedAt);
        Assert.Equal(1, q.Counts.Issued);
        Assert.Equal("A002", q.Take(At(9, 4)));
    }

    [Fact]
    public void Retry_after_the_ticket_was_called_returns_its_current_state()
    {
        var q = NewQueue();
        var request = new TicketRequest(TicketKind.Remote, IdempotencyKey: "app-1");
        var number = q.Take(request, 1, At(9, 0)).Value.Ticket.Number;
        _ = q.CallNext(1, At(9, 1)).Value;

        var retry = q.Take(request, 1, At(9, 2)).Value;
        Assert.Equal(number, retry.Ticket.Number);
        Assert.Equal(TicketState.Called, retry.Ticket.State);
        Assert.Null(retry.Position);
    }

    [Fact]
    public void Reusing_a_key_for_a_different_request_is_refused()
    {
        var q = NewQueue();
        _ = q.Take(new TicketRequest(TicketKind.Kiosk, IdempotencyKey: "k"), 1, At(9, 0)).Value;
        var v = q.Take(new TicketRequest(TicketKind.Kiosk, PriorityClass.GreenChannel, IdempotencyKey: "k"), 1, At(9, 1)).Refused();
        Assert.Equal(QueueViolationCode.IdempotencyKeyConflict, v.Code);
        Assert.Contains("A001", v.Message);
        Assert.Equal(1, q.Counts.Issued);
    }

    [Fact]
    public void Idempotency_keys_live_for_one_day()
    {
        var q = NewQueue();
        var request = new TicketRequest(TicketKind.Remote, IdempotencyKey: "app-1");
        _ = q.Take(request, 1, At(9, 0)).Value;
        _ = q.Take(request, 1, At(9, 0).AddDays(1)).Value;
        Assert.Equal(1, q.Counts.Issued);
        Assert.Equal(1, q.LastClosedDay!.Issued);
    }

    [Theory]
    [InlineData(TicketKind.Appointment, PriorityClass.Normal, false)]
    [InlineData(TicketKind.WalkIn, PriorityClass.Normal, true)]
    [InlineData(TicketKind.WalkIn, PriorityClass.Appointment, false)]
    public void Malformed_requests_are_refused_without_using_a_number(TicketKind kind, PriorityClass priority, bool withSlot)
    {
        var q = NewQueue();
        var v = q.Take(new TicketRequest(kind, priority, withSlot ? At(10, 0) : null), 1, At(9, 0)).Refused();
        Assert.Equal(QueueViolationCode.InvalidRequest, v.Code);
        Assert.Equal("A001", q.Take(At(9, 1)));
    }

    [Fact]
    public void A_state_is_bound_to_its_category()
    {
        var state = new CategoryQueueState();
        _ = new CategoryQueue(state, "B");
        Assert.Throws<ArgumentException>(() => new CategoryQueue(state, "A"));
        Assert.Throws<ArgumentException>(() => new CategoryQueue(new CategoryQueueState(), "b"));
    }
}
