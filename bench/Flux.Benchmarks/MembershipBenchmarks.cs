using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Flux.Gateway.Backplane;
using Flux.Gateway.Fanout;
using Flux.Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flux.Benchmarks;

/// <summary>
/// A large guild's membership churn through the fan-out's own API, without sockets (one process may hold only 20,000
/// here): every member joins, then every member leaves, in join order, as a drained replica's 100,000 members of one
/// guild would reconnect elsewhere and later leave. One invocation per iteration: the whole churn is the operation.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class MembershipBenchmarks
{
    private GatewayMetrics _metrics = null!;
    private GuildMember[] _members = [];
    private GuildFanout _fanout = null!;

    [Params(1_000, 10_000, 100_000)]
    public int Members { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _metrics = new GatewayMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(), TimeProvider.System);
    }

    [IterationSetup]
    public void NewGuild()
    {
        _fanout = new GuildFanout("bench", new NoHistory(), 200, _metrics, TimeProvider.System, NullLogger.Instance);
        _fanout.StartAt(new GuildState(0, "1"));
        _members = new GuildMember[Members];
        for (int i = 0; i < Members; i++) _members[i] = new GuildMember(_fanout, new NoRecipient(), 16);
    }

    [Benchmark]
    public int JoinThenLeaveAll()
    {
        foreach (var member in _members)
        {
            if (!_fanout.TryAdd(member)) throw new InvalidOperationException("the guild closed");
        }
        int peak = _fanout.MemberCount;
        foreach (var member in _members) _fanout.Remove(member);
        if (_fanout.MemberCount != 0) throw new InvalidOperationException("members left behind");
        return peak;
    }

    private sealed class NoRecipient : IGuildRecipient
    {
        public EnqueueResult Deliver(in OutboundFrame frame) => EnqueueResult.Enqueued;

        public void OnOverflow()
        {
        }

        public void OnGuildStateLost(string guild)
        {
        }
    }

    private sealed class NoHistory : IGuildHistory
    {
        public Task<HistorySlice> ReadHistoryAsync(string guild, long afterSeq, int max) =>
            throw new InvalidOperationException("the benchmark sends no messages");
    }
}
