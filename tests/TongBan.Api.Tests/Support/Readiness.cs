namespace TongBan.Api.Tests.Support;

public static class Readiness
{
    /// <summary>Polls /readyz until 200, failing with the last answer after <paramref name="timeout"/>.</summary>
    public static async Task WaitAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync("/readyz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{http.BaseAddress}readyz not ready after {timeout}: {last}");
    }
}
