using System.Diagnostics.Metrics;
using Flux.Protocol.Auth;
using Flux.Protocol.Storms;
using Flux.Swarm.Telemetry;
using Microsoft.Extensions.Options;

namespace Flux.Swarm.Storms;

/// <summary>
/// A short storm the swarm service runs once at start-up, before it takes a storm of anyone's: 200 users in 4 guilds
/// of 50 at 1,000 msg/s for <see cref="SwarmOptions.WarmUpSeconds"/>, through the gateways and Redis it will measure.
/// Without it the first storm after <c>dotnet run</c> paid for compiling the hot paths of the swarm, the gateways and
/// Redis while it measured them: for its first 20 s the JIT took up to 0.9 of a core in each gateway and 0.65 in the
/// swarm (<c>dotnet-counters</c>), and that storm's p95 was 2–3 times the next one's (docs/benchmarks.md, "Cold start").
/// The warm-up's report is dropped: it is in no history and its metrics go to a meter nobody exports.
/// </summary>
internal sealed class StormWarmUp(
    GatewayDirectory gateways,
    TokenIssuer tokens,
    IOptions<SwarmOptions> options,
    ILogger<StormWarmUp> logger) : BackgroundService
{
    /// <summary>How long a storm waits for the warm-up before starting anyway.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(120);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the warm-up has run, failed, or was not wanted (never faults).</summary>
    public Task Completion => _done.Task;

    /// <summary>The plan it runs against <paramref name="targets"/>.</summary>
    public static StormPlan Plan(IReadOnlyList<string> targets, double seconds) => new()
    {
        Scenario = "warm-up", Users = 200, Guilds = 4, Rate = 1_000, BodyBytes = 64, Ramp = 2, Duration = Math.Max(1, seconds),
        Gateways = targets,
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (options.Value.WarmUpSeconds > 0 && gateways.Names.Count > 0) await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.WarmUpFailed(logger, ex.Message);
        }
        finally
        {
            _done.TrySetResult();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var started = DateTime.UtcNow;
        // The gateways may still be starting: wait until every one answers.
        IReadOnlyList<Runs.GatewayTarget> targets;
        while (true)
        {
            targets = await gateways.ResolveAsync(stoppingToken).ConfigureAwait(false);
            bool reached = true;
            foreach (var target in targets)
            {
                reached &= (await GatewayProbe.ProbeAsync(target.WebSocket, RetryEvery * 5).ConfigureAwait(false)).Reached;
            }
            if (reached) break;
            if (DateTime.UtcNow - started > GiveUpAfter) throw new TimeoutException($"the gateways did not answer within {GiveUpAfter.TotalSeconds:0} s");
            await Task.Delay(RetryEvery, stoppingToken).ConfigureAwait(false);
        }

        var plan = Plan([.. targets.Select(t => t.WebSocket.ToString())], options.Value.WarmUpSeconds);
        using var meters = new ServiceCollectionMeters();
        var run = StormRun.Start(plan, targets, tokens, new SwarmMetrics(meters.Factory), logger);
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(plan.TotalSeconds) + StormDrain.Cap + TimeSpan.FromSeconds(30), stoppingToken)
            .ConfigureAwait(false);
        Log.WarmedUp(logger, (DateTime.UtcNow - started).TotalSeconds, run.Report?.Delivered ?? 0);
    }

    /// <summary>A meter factory of its own, which no exporter listens to.</summary>
    private sealed class ServiceCollectionMeters : IDisposable
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

        public IMeterFactory Factory => _services.GetRequiredService<IMeterFactory>();

        public void Dispose() => _services.Dispose();
    }
}
