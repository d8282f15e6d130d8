using Deque.AxeCore.Commons;
using Microsoft.Playwright;

namespace TongBan.Web.Tests.Support;

/// <summary>
/// 长辈模式 checks that read the page as the citizen sees it: no visible text under 18 px, no visible control smaller than
/// 44 × 44 px (a checkbox or radio counts by its label), and contrast of 7:1 (axe's WCAG AAA rule color-contrast-enhanced).
/// </summary>
public static class CitizenModes
{
    /// <summary>The localStorage key the pages keep the choice under (web/src/common/elder.ts).</summary>
    public const string StorageKey = "tongban.elder";

    /// <summary>An init script that stores the elderly mode before the page's own scripts run.</summary>
    public static Func<IPage, Task> StartInElderMode { get; } =
        page => page.AddInitScriptAsync($"try {{ if (!sessionStorage.getItem('tongban.test.elder')) {{ localStorage.setItem('{StorageKey}', '1'); sessionStorage.setItem('tongban.test.elder', '1'); }} }} catch {{ }}");

    private const string SmallTextScript = """
        () => {
          const small = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const el = n.parentElement;
            if (!el || !n.textContent.trim() || el.closest('.visually-hidden')) continue;
            if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            const size = parseFloat(getComputedStyle(el).fontSize);
            if (size < 18) small.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} ${size}px «${n.textContent.trim().slice(0, 24)}»`);
          }
          return small;
        }
        """;

    private const string SmallTargetScript = """
        () => {
          const small = [];
          const controls = document.querySelectorAll('a[href], button, input, select, textarea, [role=button], [tabindex]:not([tabindex="-1"])');
          for (const el of controls) {
            if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
            let box = el;
            if (el.matches('input[type=checkbox], input[type=radio]')) {
              box = el.closest('label') ?? (el.id ? document.querySelector(`label[for="${el.id}"]`) : null) ?? el;
            }
            const r = box.getBoundingClientRect();
            if (r.width < 44 || r.height < 44) {
              small.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} ${Math.round(r.width)}×${Math.round(r.height)} «${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 24)}»`);
            }
          }
          return small;
        }
        """;

    /// <summary>axe with the WCAG AAA contrast rule on: its violations are serious, so AssertAccessibleAsync fails on them.</summary>
    public static AxeRunOptions EnhancedContrast { get; } = new()
    {
        Rules = new Dictionary<string, RuleOptions> { ["color-contrast-enhanced"] = new() { Enabled = true } },
    };

    /// <summary>Fails on visible text under 18 px and visible controls under 44 × 44 px.</summary>
    public static async Task AssertElderlyLayoutAsync(IPage page)
    {
        Assert.Equal("elder", await page.Locator("html").GetAttributeAsync("data-mode"));
        var small = await page.EvaluateAsync<string[]>(SmallTextScript);
        Assert.True(small.Length == 0, $"text under 18 px in 长辈模式 on {page.Url}:\n" + string.Join("\n", small));
        var targets = await page.EvaluateAsync<string[]>(SmallTargetScript);
        Assert.True(targets.Length == 0, $"touch targets under 44 px in 长辈模式 on {page.Url}:\n" + string.Join("\n", targets));
    }
}
