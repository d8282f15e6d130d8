using System.Text.Json;

namespace TongBan.Api.Tests.Support;

/// <summary>Reads an answer that follows one-way reports (a hall's figures, a partner's callback) until a condition holds.</summary>
public static class Poll
{
    /// <summary>Reads until <paramref name="condition"/> holds or <paramref name="timeout"/> passes, and hands the last read to the asserts.</summary>
    public static async Task<JsonElement> Until(Func<Task<JsonElement>> read, Func<JsonElement, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var value = await read();
        while (!condition(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            value = await read();
        }

        return value;
    }
}
