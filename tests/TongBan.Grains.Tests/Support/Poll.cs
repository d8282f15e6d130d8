namespace TongBan.Grains.Tests.Support;

/// <summary>Waits for what one-way reports make true eventually (hall snapshot, live feed, a window told of a cancel): a condition, never a fixed time.</summary>
public static class Poll
{
    /// <summary>Polls until <paramref name="condition"/> holds; fails naming <paramref name="what"/> after <paramref name="timeout"/> (default 20 s).</summary>
    public static async Task Until(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}
