using Flux.Gateway.Backplane;
using Flux.Gateway.Connections;
using Flux.Gateway.Fanout;
using Flux.Gateway.Shedding;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Admin;
using Grpc.Core;

namespace Flux.Gateway.Admin;

/// <summary>
/// The gRPC admin service (GatewayAdmin in gateway_admin.proto). Mapped on the admin endpoint only, and every call is
/// authenticated by <see cref="AdminAccess.KeyInterceptor"/>.
/// </summary>
internal sealed class GatewayAdminService(
    ConnectionRegistry registry,
    GuildDirectory guilds,
    GatewayMetrics metrics,
    LoadShedder shedder,
    DrainCoordinator drain,
    GcPressureInjector gcPressure,
    DelayedFanout fanoutDelay,
    ProcessKiller killer,
    RedisBackplane backplane,
    GatewayInstance instance) : GatewayAdmin.GatewayAdminBase
{
    public override Task<GatewayStats> GetStats(GetStatsRequest request, ServerCallContext context)
    {
        if (request.FullGc)
        {
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        var (high, normal, low) = registry.CountByTier();
        var stats = new GatewayStats
        {
            Instance = instance.Name,
            ConnectionsHigh = high,
            ConnectionsNormal = normal,
            ConnectionsLow = low,
            Guilds = guilds.Count,
            QueuedBytes = metrics.QueuedBytes,
            QueuedFrames = metrics.QueuedFrames,
            DroppedFrames = metrics.DroppedFrames,
            Shedding = SheddingState(),
            Draining = drain.IsDraining,
            RedisConnected = backplane.IsConnected,
            MessagesPublished = metrics.MessagesPublished,
            FramesSent = metrics.FramesSent,
            FanoutLagMs = metrics.FanoutLag.TotalMilliseconds,
            PathLagMs = metrics.PathLag?.TotalMilliseconds ?? 0,
            SchedulingLagMs = metrics.SchedulingLag.TotalMilliseconds,
            UptimeS = instance.Uptime.TotalSeconds,
            GcHeapBytes = GC.GetGCMemoryInfo().HeapSizeBytes,
            WorkingSetBytes = Environment.WorkingSet,
            ConnectionsOpen = registry.Count,
        };
        foreach (var (reason, count) in metrics.ClosesByReason) stats.ClosesByReason[reason] = count;
        return Task.FromResult(stats);
    }

    public override async Task<DrainReply> Drain(DrainRequest request, ServerCallContext context)
    {
        TimeSpan? timeout = request.TimeoutMs > 0 ? TimeSpan.FromMilliseconds(request.TimeoutMs) : null;
        var (closed, flushed) = await drain.DrainAsync(timeout, context.CancellationToken).ConfigureAwait(false);
        return new DrainReply { ConnectionsClosed = closed, FramesFlushed = Math.Max(0, flushed) };
    }

    public override Task<SheddingState> SetShedding(SetSheddingRequest request, ServerCallContext context)
    {
        if (!request.Auto && request.Level is < 0 or > 2)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "level must be 0 (none), 1 (low) or 2 (low and normal)"));
        }
        shedder.Set(request.Auto, request.Level);
        return Task.FromResult(SheddingState());
    }

    public override Task<InjectFaultReply> InjectFault(InjectFaultRequest request, ServerCallContext context) => request.FaultCase switch
    {
        InjectFaultRequest.FaultOneofCase.GcPressure => Task.FromResult(StartGcPressure(request.GcPressure)),
        InjectFaultRequest.FaultOneofCase.Kill => Task.FromResult(Kill(request.Kill)),
        InjectFaultRequest.FaultOneofCase.FanoutDelay => Task.FromResult(DelayFanout(request.FanoutDelay)),
        _ => throw new RpcException(new Status(StatusCode.InvalidArgument, "no fault given; supported: gc_pressure, kill, fanout_delay")),
    };

    private InjectFaultReply DelayFanout(Flux.Protocol.Admin.FanoutDelay delay)
    {
        try
        {
            fanoutDelay.Start(TimeSpan.FromMilliseconds(delay.DelayMs), delay.Seconds);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
        return new InjectFaultReply { Description = $"{instance.Name} holds its fan-out {delay.DelayMs} ms for {delay.Seconds:0.#} s" };
    }

    private InjectFaultReply StartGcPressure(GcPressure gc)
    {
        try
        {
            if (!gcPressure.TryStart(gc.Seconds, gc.MegabytesPerSecond))
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, "a GC pressure fault is already running"));
            }
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
        return new InjectFaultReply { Description = $"gc pressure {gc.MegabytesPerSecond:0.#} MB/s for {gc.Seconds:0.#} s on {instance.Name}" };
    }

    private InjectFaultReply Kill(Kill kill)
    {
        if (kill.DelayMs is < 0 or > ProcessKiller.MaxDelayMs)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"delay_ms must be 0 to {ProcessKiller.MaxDelayMs}"));
        }
        var delay = TimeSpan.FromMilliseconds(kill.DelayMs > 0 ? kill.DelayMs : ProcessKiller.DefaultDelayMs);
        killer.KillAfter(delay);
        return new InjectFaultReply { Description = $"{instance.Name} dies in {delay.TotalMilliseconds:0} ms, without a drain" };
    }

    private SheddingState SheddingState()
    {
        var (normal, low) = shedder.ReadmitRates;
        return new() { Auto = shedder.IsAuto, Level = shedder.Level, Reason = shedder.Reason, ReadmitNormalPerSecond = normal, ReadmitLowPerSecond = low };
    }
}
