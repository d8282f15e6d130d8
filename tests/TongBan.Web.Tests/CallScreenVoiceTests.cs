using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using TongBan.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TongBan.Web.Tests;

/// <summary>
/// 语音叫号 on the call screen: every call and recall is announced in zh-CN through speechSynthesis once someone has
/// tapped 「开启语音」 (browsers refuse speech before a tap), and the screen remembers the choice. Headless chromium may
/// have no voices, so speechSynthesis.speak is replaced by a recorder before the page loads: the test asserts what
/// would be spoken, not the sound.
/// </summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Browser")]
public sealed class CallScreenVoiceTests(WebApp app)
{
    private const string SpeechRecorder = """
        window.__spoken = [];
        const record = (u) => window.__spoken.push({ text: u.text, lang: u.lang });
        if ('speechSynthesis' in window) {
          window.speechSynthesis.speak = record;
          window.speechSynthesis.cancel = () => {};
        } else {
          window.speechSynthesis = { speak: record, cancel() {}, getVoices: () => [] };
        }
        """;

    private static readonly LocatorAssertionsToHaveAttributeOptions Live = new() { Timeout = 2000 };

    [Fact]
    public async Task Calls_and_recalls_are_spoken_in_chinese_once_sound_is_enabled()
    {
        const string hall = "520322-H001";
        await using var browser = await app.OpenAsync($"/screen?hall={hall}", beforeLoad: p => p.AddInitScriptAsync(SpeechRecorder));
        var page = browser.Page;
        var current = page.Locator("#current-call");
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 15_000 });
        await Expect(page.Locator("#voice-toggle")).ToHaveTextAsync("开启语音");
        await Expect(page.Locator("#voice-note")).ToHaveTextAsync("语音播报未开启");

        var first = await app.TakeTicketAsync(hall);
        var second = await app.TakeTicketAsync(hall);
        var token = await app.TokenAsync("clerk", hall, 3);
        (await app.PostAsync($"/api/halls/{hall}/windows/3/open", token)).EnsureSuccessStatusCode();

        // Sound off: the call is shown and its announcement composed, nothing is spoken.
        (await app.PostAsync($"/api/halls/{hall}/windows/3/call-next", token)).EnsureSuccessStatusCode();
        await Expect(current).ToHaveAttributeAsync("data-announcement", $"请 {first} 号到 3 号窗口办理", Live);
        await Expect(page.Locator("#current-call .hint")).ToHaveTextAsync($"请 {first} 号到 3 号窗口办理");
        Assert.Empty(await SpokenAsync(page));

        // One tap: it confirms aloud, and the next call is spoken with the ticket's digits one by one.
        await page.Locator("#voice-toggle").ClickAsync();
        await Expect(page.Locator("#voice-toggle")).ToHaveTextAsync("关闭语音");
        await Expect(page.Locator("#voice-note")).ToHaveTextAsync("语音播报已开启");
        Assert.Equal([new Spoken("语音播报已开启", "zh-CN")], await SpokenAsync(page));

        var token1 = await app.TokenAsync("clerk", hall, 1);
        (await app.PostAsync($"/api/halls/{hall}/windows/1/open", token1)).EnsureSuccessStatusCode();
        (await app.PostAsync($"/api/halls/{hall}/windows/1/call-next", token1)).EnsureSuccessStatusCode();
        await Expect(current).ToHaveAttributeAsync("data-announcement", $"请 {second} 号到 1 号窗口办理", Live);
        var spoken = await SpokenAsync(page);
        Assert.Equal(2, spoken.Count);
        Assert.Equal(new Spoken($"请 {Digits(second)} 号，到 1 号窗口办理", "zh-CN"), spoken[1]);

        // 重呼 (the queue allows it 30 s after the call): shown as such and spoken twice after 「重复呼叫」.
        await RecallAsync(hall, 3, token);
        await Expect(current).ToHaveAttributeAsync("data-announcement", $"重呼：请 {first} 号到 3 号窗口办理", Live);
        var once = $"请 {Digits(first)} 号，到 3 号窗口办理";
        Assert.Equal(new Spoken($"重复呼叫，{once}。{once}", "zh-CN"), (await SpokenAsync(page))[^1]);
        await Expect(page.Locator("#recent li")).ToHaveCountAsync(3);
        await Expect(page.Locator("#recent li").First).ToContainTextAsync("重呼");
        await browser.ScreenshotAsync("screen-voice");
        await browser.AssertAccessibleAsync("screen-voice");

        // The choice is remembered: after a reload the screen speaks without another tap (a kiosk browser allows it).
        await page.ReloadAsync();
        await Expect(page.Locator("#voice-toggle")).ToHaveTextAsync("关闭语音");
        await Expect(page.Locator("#voice-note")).ToHaveTextAsync("语音播报已开启");
        await page.Locator("#voice-toggle").ClickAsync();
        await Expect(page.Locator("#voice-note")).ToHaveTextAsync("语音播报未开启");
        browser.AssertNoErrors();
    }

    /// <summary>How the screen reads a ticket: A012 → A零一二.</summary>
    private static string Digits(string ticketNo) =>
        string.Concat(ticketNo.Select(c => char.IsAsciiDigit(c) ? "零一二三四五六七八九"[c - '0'] : c));

    /// <summary>Recalls the window's ticket as soon as the queue allows it (a 409 until 30 s after the call).</summary>
    private async Task RecallAsync(string hall, int windowNo, string token)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await app.PostAsync($"/api/halls/{hall}/windows/{windowNo}/recall", token);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, "the recall was still refused a minute after the call: " + await response.Content.ReadAsStringAsync());
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private static async Task<List<Spoken>> SpokenAsync(IPage page) =>
        (await page.EvaluateAsync<JsonElement>("() => window.__spoken")).EnumerateArray()
            .Select(e => new Spoken(e.GetProperty("text").GetString()!, e.GetProperty("lang").GetString()!)).ToList();

    private sealed record Spoken(string Text, string Lang);
}
