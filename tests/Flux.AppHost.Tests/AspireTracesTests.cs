using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flux.Testing;
using Xunit.Abstractions;

namespace Flux.AppHost.Tests;

/// <summary>
/// What the Aspire dashboard's Traces tab holds after a smoke storm started from the Flux page, read through the
/// dashboard's own telemetry API (/api/telemetry/traces, key in x-api-key). The whole AppHost runs as a user runs it,
/// dashboard included (Aspire's test host starts no dashboard), on ports of its own. Issue 23 saw 171 traces there after
/// one smoke storm, nearly all the page's once-a-second polls; a poll now starts no trace.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed partial class AspireTracesTests(ITestOutputHelper output)
{
    private const string ApiKey = "flux-test-dashboard-api-key-0123456789";

    [Fact]
    public async Task After_a_smoke_storm_the_traces_are_the_storm_and_its_message_journeys_and_no_poll_has_one()
    {
        await using var app = await RunningAppHost.StartAsync(ApiKey);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        // The page's path: POST /api/storms, then poll GET /api/storms/{id} once a second until it has an outcome (those
        // polls, and the page's own GetStats and ListStorms, must not show up as traces).
        string id = await StartSmokeStormAsync(http, app.FluxDashboard);
        await WaitForOutcomeAsync(http, new Uri(app.FluxDashboard, $"/api/storms/{id}"));
        // The services export spans in batches: read until the storm's trace is complete (its root span ends last) and a
        // message journey of it has come (a minute at most); polls made meanwhile were exported in the same batches.
        var traces = await ReadTracesAsync(http, app.AspireDashboard);
        for (var waited = Stopwatch.StartNew(); !HasStormAndJourney(traces, id) && waited.Elapsed < TimeSpan.FromMinutes(1);)
        {
            await Task.Delay(1000);
            traces = await ReadTracesAsync(http, app.AspireDashboard);
        }
        output.WriteLine($"{traces.Count} traces, oldest first:");
        foreach (var trace in traces) output.WriteLine($"  {trace.Root} ({trace.Spans.Count} spans: {string.Join(", ", trace.Spans.Select(s => s.Service).Distinct())})");

        // No poll started a trace, in any service, on either side of the call.
        Assert.DoesNotContain(traces.SelectMany(t => t.Spans), s => Poll().IsMatch(s.Name));
        // The storm is there: its own trace, and the message journeys sampled in it (every 1,000th message), each
        // running from the swarm through a gateway and back.
        var storm = Assert.Single(traces, t => t.Spans.Any(s => s.Name == "storm run" && s.Attributes.GetValueOrDefault("flux.storm.id") == id));
        var journeys = traces.Where(t => t.Root == "message send" && t.Spans.Any(s => s.Name == "fanout")).ToList();
        Assert.NotEmpty(journeys);
        // And nothing buries them: besides the storms (this one and the start-up warm-up) and their journeys, what is
        // left is a handful of one-off calls (starting the storm, following it live).
        var others = traces.Where(t => t.Root is not ("storm run" or "message send")).ToList();
        Assert.True(others.Count <= 8, $"{others.Count} other traces: {string.Join(", ", others.Select(t => t.Root))}");
    }

    private static bool HasStormAndJourney(List<Trace> traces, string id) =>
        traces.FirstOrDefault(t => t.Spans.Any(s => s.Name == "storm run" && s.Attributes.GetValueOrDefault("flux.storm.id") == id)) is { } storm
        && traces.Any(t => t.Root == "message send" && t.Spans[0].StartNs > storm.Spans[0].StartNs && t.Spans.Any(s => s.Name == "fanout"));

    private static async Task<string> StartSmokeStormAsync(HttpClient http, Uri dashboard)
    {
        // The swarm may still be warming up or unreachable for a moment after start-up: 503 until it answers.
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var response = await http.PostAsJsonAsync(new Uri(dashboard, "/api/storms"), new { preset = "smoke" });
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                return body.RootElement.GetProperty("id").GetString()!;
            }
            if (waited.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"the storm was not started: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(2000);
        }
    }

    private static async Task WaitForOutcomeAsync(HttpClient http, Uri status)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromMinutes(3))
        {
            using var body = JsonDocument.Parse(await http.GetStringAsync(status));
            if (body.RootElement.GetProperty("outcome").GetString() is { Length: > 0 }) return;
            await Task.Delay(1000);
        }
        throw new TimeoutException("the smoke storm did not end within 3 minutes");
    }

    /// <summary>Every trace the dashboard holds, oldest first (by its earliest span), as the Traces tab lists them.</summary>
    private static async Task<List<Trace>> ReadTracesAsync(HttpClient http, Uri dashboard)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(dashboard, "/api/telemetry/traces?limit=10000"));
        request.Headers.Add("x-api-key", ApiKey);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var spans = new List<Span>();
        foreach (var resource in body.RootElement.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            string service = Attributes(resource.GetProperty("resource")).GetValueOrDefault("service.name") ?? "";
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    spans.Add(new Span(span.GetProperty("traceId").GetString()!, span.TryGetProperty("parentSpanId", out var parent) ? parent.GetString() ?? "" : "",
                        span.GetProperty("name").GetString()!, service,
                        ulong.Parse(span.GetProperty("startTimeUnixNano").GetString()!, CultureInfo.InvariantCulture), Attributes(span)));
                }
            }
        }
        return [.. spans.GroupBy(s => s.TraceId)
            .Select(g => new Trace(g.Key, g.OrderBy(s => s.StartNs).ToList()))
            .OrderBy(t => t.Spans[0].StartNs)];
    }

    private static Dictionary<string, string> Attributes(JsonElement owner)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!owner.TryGetProperty("attributes", out var list)) return attributes;
        foreach (var attribute in list.EnumerateArray())
        {
            var value = attribute.GetProperty("value");
            attributes[attribute.GetProperty("key").GetString()!] = value.TryGetProperty("stringValue", out var text) ? text.GetString() ?? "" : value.ToString();
        }
        return attributes;
    }

    // The polled calls (Flux.ServiceDefaults: Extensions.PolledGrpcMethods, as a gRPC span names them, "package.Service/Method",
    // and Extensions.IsPolledGet, the storm status scripts and this test read once a second).
    [GeneratedRegex(@"/(GetStats|ListStorms|GetStorm)$|^GET /api/storms/\{id\}$")]
    private static partial Regex Poll();

    private sealed record Span(string TraceId, string ParentSpanId, string Name, string Service, ulong StartNs, Dictionary<string, string> Attributes);

    private sealed record Trace(string Id, List<Span> Spans)
    {
        /// <summary>The root span's name (the earliest span's when the root was not exported).</summary>
        public string Root => (Spans.FirstOrDefault(s => s.ParentSpanId.Length == 0) ?? Spans[0]).Name;
    }

    /// <summary>The AppHost as <c>dotnet run --project Flux.AppHost</c> runs it, dashboard and all, on free ports.</summary>
    private sealed class RunningAppHost : IAsyncDisposable
    {
        private readonly StringBuilder _output = new();
        private Process _process = null!;

        public Uri AspireDashboard { get; private init; } = null!;

        public Uri FluxDashboard { get; private init; } = null!;

        public static async Task<RunningAppHost> StartAsync(string apiKey)
        {
            string project = Path.Combine(RepositoryRoot(), "Flux.AppHost");
            string assembly = Path.Combine(project, "bin", "Debug", "net10.0", "Flux.AppHost.dll");
            var app = new RunningAppHost
            {
                AspireDashboard = new Uri($"http://localhost:{FreePort.Next()}"),
                FluxDashboard = new Uri($"http://localhost:{FreePort.Next()}"),
            };
            var start = new ProcessStartInfo("dotnet") { ArgumentList = { "exec", assembly }, WorkingDirectory = project };
            // What the "http" launch profile sets, on ports no other test uses.
            start.Environment["ASPNETCORE_URLS"] = app.AspireDashboard.ToString();
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
            start.Environment["DOTNET_ENVIRONMENT"] = "Development";
            start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
            start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{FreePort.Next()}";
            start.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{FreePort.Next()}";
            // The dashboard's telemetry API key (the AppHost hands it to the dashboard as Dashboard:Api:PrimaryApiKey).
            start.Environment["AppHost__DashboardApiKey"] = apiKey;
            start.Environment["Flux__Dashboard__Port"] = app.FluxDashboard.Port.ToString(CultureInfo.InvariantCulture);
            app._process = ChildProcess.StartCapturing(start, app._output, "the AppHost");
            try
            {
                await ChildProcess.WaitUntilHealthyAsync(app._process, new Uri(app.FluxDashboard, "/health"), TimeSpan.FromMinutes(4),
                    () => app.Tail(), "the Flux dashboard under the AppHost");
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
            return app;
        }

        public async ValueTask DisposeAsync()
        {
            if (_process.HasExited) return;
            // SIGTERM, as a user's Ctrl+C: DCP stops every resource before the AppHost exits.
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await _process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
            _process.Dispose();
        }

        private string Tail()
        {
            lock (_output) return _output.Length > 4000 ? _output.ToString(_output.Length - 4000, 4000) : _output.ToString();
        }

        private static string RepositoryRoot()
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Flux.sln"))) return directory.FullName;
            }
            throw new InvalidOperationException($"no Flux.sln above {AppContext.BaseDirectory}");
        }
    }
}
