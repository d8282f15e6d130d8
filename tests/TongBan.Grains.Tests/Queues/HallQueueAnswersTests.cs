using TongBan.Grains.Queues;

namespace TongBan.Grains.Tests.Queues;

/// <summary>The hall queue keeps the last few first answers of each window (its idempotency record), oldest first.</summary>
[Trait("Category", "Unit")]
public sealed class HallQueueAnswersTests
{
    private static DeskAnswer Answer(int window, string key) => new(window, key, null);

    [Fact]
    public void Each_window_keeps_its_last_answers_in_order_whatever_the_other_windows_sent()
    {
        List<DeskAnswer> answers = [Answer(1, "a"), Answer(2, "p"), Answer(1, "b"), Answer(1, "c"), Answer(2, "q"), Answer(3, "x")];

        HallQueueGrain.ForgetOldAnswers(answers, 2);

        Assert.Equal(["p", "b", "c", "q", "x"], answers.Select(a => a.Key));
    }

    [Fact]
    public void A_state_of_an_earlier_build_with_hundreds_of_answers_is_trimmed_to_the_last_of_each_window()
    {
        var answers = Enumerable.Range(0, 256).Select(i => Answer(1 + (i % 10), $"k{i}")).ToList();

        HallQueueGrain.ForgetOldAnswers(answers, HallQueueGrain.RememberedAnswersPerWindow);

        Assert.Equal(10 * HallQueueGrain.RememberedAnswersPerWindow, answers.Count);
        Assert.Equal(Enumerable.Range(256 - answers.Count, answers.Count).Select(i => $"k{i}"), answers.Select(a => a.Key));
    }
}
