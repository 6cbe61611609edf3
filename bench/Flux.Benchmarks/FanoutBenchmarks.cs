using System.Diagnostics.Metrics;
using System.Text;
using BenchmarkDotNet.Attributes;
using Flux.Gateway.Backplane;
using Flux.Gateway.Connections;
using Flux.Gateway.Fanout;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Wire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flux.Benchmarks;

/// <summary>
/// One message from Redis to every local member's send queue: envelope parsing, sequencing, the per-member cursor
/// check, and the bounded queue (drained as the writer would). The frame is encoded once; allocation per message
/// must not grow with the number of recipients.
/// </summary>
[MemoryDiagnoser]
public class FanoutBenchmarks
{
    private GuildFanout _fanout = null!;
    private byte[] _payload = null!;
    private long _seq;

    [Params(1, 10, 100, 1000)]
    public int Recipients { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var metrics = new GatewayMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(), TimeProvider.System);
        _fanout = new GuildFanout("bench", new NoHistory(), 200, metrics, TimeProvider.System, NullLogger.Instance);
        _fanout.StartAt(new GuildState(0, "1"));
        for (int i = 0; i < Recipients; i++)
        {
            var member = new GuildMember(_fanout, new DrainingRecipient(new ConnectionSendQueue(4096, 1 << 20, metrics)), 4096);
            _fanout.TryAdd(member);
            member.GoLive(0);
        }
        var frame = MessageFrameTemplate.Create("bench", "u1", "n1", new string('x', 64), Encoding.ASCII.GetBytes("123456"), null).Splice(1);
        // seq, epoch, published (Unix µs), traceparent (none), frame: PublishedEnvelope's layout.
        _payload = [.. "1\n1\n0\n\n"u8, .. frame];
        if (!PublishedEnvelope.TryParse(_payload, out _)) throw new InvalidOperationException("the benchmark's envelope does not parse");
    }

    [Benchmark]
    public Task FanOutOneMessage()
    {
        // What GuildDirectory does with each message from the guild's channel.
        PublishedEnvelope.TryParse(_payload, out var envelope);
        return _fanout.ProcessAsync(envelope with { Seq = ++_seq }, TimeProvider.System.GetTimestamp());
    }

    /// <summary>Queues each frame and takes it straight back out, as an idle connection's writer does.</summary>
    private sealed class DrainingRecipient(ConnectionSendQueue queue) : IGuildRecipient
    {
        public EnqueueResult Deliver(in OutboundFrame frame)
        {
            var result = queue.TryEnqueue(frame);
            queue.TryDequeue(out _);
            return result;
        }

        public void OnOverflow() => throw new InvalidOperationException("the benchmark's queue never fills");

        public void OnGuildStateLost(string guild) => throw new InvalidOperationException("no state is lost in the benchmark");
    }

    private sealed class NoHistory : IGuildHistory
    {
        public Task<HistorySlice> ReadHistoryAsync(string guild, long afterSeq, int max) =>
            throw new InvalidOperationException("seqs arrive in order in the benchmark");
    }
}
