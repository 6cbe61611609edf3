using System.Globalization;
using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using Flux.AppHost.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Flux.Dashboard.Tests;

/// <summary>
/// The whole AppHost, and the dashboard driven in a real headless Chromium: start a smoke storm from the page,
/// watch it live, stop it, find it in the history with its verdict and the banner showing that verdict, then run a
/// second storm and compare the two on the report page.
/// Locally this skips when /usr/bin/chromium is missing; CI installs it and sets FLUX_REQUIRE_BROWSER=1.
/// </summary>
public sealed class DashboardEndToEndTests(EmbeddedRedisApp app) : IClassFixture<EmbeddedRedisApp>
{
    private const string Chromium = "/usr/bin/chromium";
    // CI collects what lands in FLUX_TEST_ARTIFACTS; locally the screenshots stay next to the test binaries.
    private static readonly string ArtifactDirectory =
        Environment.GetEnvironmentVariable("FLUX_TEST_ARTIFACTS") ?? Path.Combine(AppContext.BaseDirectory, "artifacts");

    [SkippableFact]
    public async Task A_smoke_storm_started_from_the_page_runs_live_and_lands_in_the_history()
    {
        bool required = Environment.GetEnvironmentVariable("FLUX_REQUIRE_BROWSER") == "1";
        Skip.If(!File.Exists(Chromium) && !required, $"{Chromium} is not installed (apt-get install -y chromium); CI installs it and runs this test");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var dashboard = app.App.GetEndpoint("dashboard", "http");

        await page.GotoAsync(dashboard.ToString());
        // Clicks before the interactive circuit is up would be lost.
        await Expect(page.Locator("[data-interactive=true]")).ToBeVisibleAsync(new() { Timeout = 30_000 });

        await page.GetByTestId("preset").SelectOptionAsync("smoke");
        await Expect(page.GetByTestId("start-storm")).ToBeEnabledAsync();
        await page.GetByTestId("start-storm").ClickAsync();

        await Expect(page.GetByTestId("storm-state")).ToHaveTextAsync("steady", new() { Timeout = 60_000 });
        string stormId = (await page.GetByTestId("current-storm").InnerTextAsync()).Trim();
        double first = await ReadNumberAsync(page, "p99-ms");
        double changed = first;
        for (int i = 0; i < 30 && changed == first; i++)
        {
            await page.WaitForTimeoutAsync(500);
            changed = await ReadNumberAsync(page, "p99-ms");
        }
        Assert.NotEqual(first, changed); // live: the number moves without a reload
        Assert.True(await ReadNumberAsync(page, "connections") > 0);

        Directory.CreateDirectory(ArtifactDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactDirectory, "dashboard-live.png"), FullPage = true });

        await page.GetByTestId("stop-storm").ClickAsync();
        await Expect(page.GetByTestId("storm-state")).ToHaveTextAsync("finished", new() { Timeout = 90_000 });
        var row = page.Locator($"[data-testid=history-row][data-storm-id='{stormId}']");
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(row.GetByTestId("verdict")).Not.ToBeEmptyAsync(new() { Timeout = 30_000 });
        // At finish the banner reads the final verdict (passed, violated or inconclusive), the same one as the history.
        string outcome = await row.GetByTestId("verdict").GetAttributeAsync("data-outcome") ?? "";
        Assert.Contains(outcome, new[] { "passed", "violated", "inconclusive" });
        await Expect(page.GetByTestId("sla-status")).ToHaveTextAsync(outcome);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactDirectory, "dashboard-finished.png"), FullPage = true });

        // A second storm, run to its end, then compared on its report page with the first one from the history.
        await page.GetByTestId("start-storm").ClickAsync();
        await Expect(page.GetByTestId("current-storm")).Not.ToHaveTextAsync(stormId, new() { Timeout = 30_000 });
        string secondId = (await page.GetByTestId("current-storm").InnerTextAsync()).Trim();
        await Expect(page.GetByTestId("storm-state")).ToHaveTextAsync("finished", new() { Timeout = 90_000 });

        await page.GotoAsync(new Uri(dashboard, $"storms/{secondId}").ToString());
        await Expect(page.GetByTestId("report")).ToContainTextAsync(secondId, new() { Timeout = 30_000 });
        await Expect(page.Locator($"[data-testid=compare-with] option[value='{stormId}']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.GetByTestId("compare-with").SelectOptionAsync(stormId);
        await page.GetByTestId("compare").ClickAsync();
        await Expect(page.GetByTestId("comparison")).ToContainTextAsync($"{stormId} (", new() { Timeout = 30_000 });
        Assert.True(await page.GetByTestId("comparison-row").CountAsync() >= 10); // latency, throughput, delivery, generator
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactDirectory, "dashboard-compare.png"), FullPage = true });
    }

    [Fact]
    public async Task Scripts_start_a_storm_through_the_dashboard_and_read_its_verdict()
    {
        using var http = app.App.CreateHttpClient("dashboard", "http");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await StartAsync(http, "huge")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("/api/storms/nothing-here")).StatusCode);
        // The old query-string form is refused: anything but JSON could come from a form on another site.
        Assert.Equal(System.Net.HttpStatusCode.UnsupportedMediaType, (await http.PostAsync("/api/storms?preset=smoke", null)).StatusCode);

        var started = await StartAsync(http, "smoke");
        Assert.Equal(System.Net.HttpStatusCode.Accepted, started.StatusCode);
        string id = System.Text.Json.JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(System.Net.HttpStatusCode.Conflict, (await StartAsync(http, "smoke")).StatusCode); // one at a time

        string outcome = await WaitForOutcomeAsync(http, id);
        Assert.Contains(outcome, new[] { "passed", "violated", "inconclusive" });
        Assert.True((await http.GetAsync($"/storms/{id}/report.json")).IsSuccessStatusCode);
    }

    [SkippableFact]
    public async Task A_page_on_another_site_cannot_start_a_storm_with_a_form_or_a_script()
    {
        bool required = Environment.GetEnvironmentVariable("FLUX_REQUIRE_BROWSER") == "1";
        Skip.If(!File.Exists(Chromium) && !required, $"{Chromium} is not installed (apt-get install -y chromium); CI installs it and runs this test");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
        var page = await browser.NewPageAsync();
        var dashboard = app.App.GetEndpoint("dashboard", "http");
        string api = new Uri(dashboard, "api/storms").ToString();
        // The attacker's page, on an origin of its own: a form that posts (text/plain, shaped like JSON), and two scripts.
        string attack = $$"""
            <html><body>
            <form id="form" method="post" enctype="text/plain" action="{{api}}"><input name='{"preset":"smoke","x":"' value='"}'></form>
            <script>
              window.json = fetch('{{api}}', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"preset":"smoke"}' })
                .then(r => 'answered ' + r.status, e => 'blocked: ' + e);
              window.simple = fetch('{{api}}', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"preset":"smoke"}' })
                .then(r => 'sent (' + r.type + ')', e => 'blocked: ' + e);
            </script>
            </body></html>
            """;
        await page.RouteAsync("http://attacker.test/**", route => route.FulfillAsync(new() { ContentType = "text/html", Body = attack }));

        await page.GotoAsync("http://attacker.test/");
        // A JSON post needs a CORS preflight, which the dashboard never answers: the browser does not send it.
        Assert.StartsWith("blocked", await page.EvaluateAsync<string>("window.json"));
        // A "simple" post may go (the dashboard refuses it: below) or be stopped by the browser's own private-network rules.
        Assert.Contains(await page.EvaluateAsync<string>("window.simple"), new[] { "sent (opaque)", "blocked: TypeError: Failed to fetch" });
        var formResponse = await page.RunAndWaitForResponseAsync(() => page.EvaluateAsync("document.getElementById('form').submit()"),
            response => response.Url.StartsWith(api, StringComparison.Ordinal) && response.Request.Method == "POST");
        Assert.Equal(403, formResponse.Status);

        // No storm started: one asked for properly now is accepted, not refused as the second at once.
        using var http = app.App.CreateHttpClient("dashboard", "http");
        var started = await StartAsync(http, "smoke");
        Assert.Equal(System.Net.HttpStatusCode.Accepted, started.StatusCode);
        string id = System.Text.Json.JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        await WaitForOutcomeAsync(http, id); // leaves no storm running for the next test
    }

    private static Task<HttpResponseMessage> StartAsync(HttpClient http, string preset) =>
        http.PostAsJsonAsync("/api/storms", new { preset });

    private static async Task<string> WaitForOutcomeAsync(HttpClient http, string id)
    {
        string outcome = "";
        for (int i = 0; i < 120 && outcome == ""; i++)
        {
            await Task.Delay(1000);
            using var status = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"/api/storms/{id}"));
            outcome = status.RootElement.GetProperty("outcome").GetString()!;
        }
        return outcome;
    }

    private static async Task<double> ReadNumberAsync(IPage page, string testId)
    {
        string text = (await page.GetByTestId(testId).InnerTextAsync()).Trim();
        return double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out double value) ? value : double.NaN;
    }
}
