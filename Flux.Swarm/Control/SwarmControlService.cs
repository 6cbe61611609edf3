using Flux.Protocol.Control;
using Flux.Protocol.Storms;
using Flux.Swarm.Storms;
using Flux.Swarm.Visitors;
using Grpc.Core;

namespace Flux.Swarm.Control;

/// <summary>The gRPC SwarmControl service (swarm_control.proto): start, stop, watch and list storms.</summary>
internal sealed class SwarmControlService(StormRegistry registry, VisitorDesk visitors) : SwarmControl.SwarmControlBase
{
    public override async Task<StormRef> StartStorm(StormPlanMessage request, ServerCallContext context)
    {
        try
        {
            var run = await registry.StartAsync(request.ToPlan(), context.CancellationToken).ConfigureAwait(false);
            return new StormRef { Id = run.Id };
        }
        catch (ArgumentException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
        catch (InvalidOperationException ex)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message));
        }
    }

    public override async Task<StormStatus> StopStorm(StormRef request, ServerCallContext context)
    {
        var run = registry.Find(request.Id);
        if (run is null)
        {
            return await registry.GetStatusAsync(request.Id).ConfigureAwait(false) ?? throw NotFound(request.Id);
        }
        run.Stop();
        return StormStatusMapper.ToStatus(run, includeReport: false);
    }

    public override async Task WatchStorm(StormRef request, IServerStreamWriter<StormSnapshot> responseStream, ServerCallContext context)
    {
        var run = registry.Find(request.Id);
        if (run is null)
        {
            // A storm of an earlier swarm process: its last snapshot is all there is.
            var stored = await registry.GetStatusAsync(request.Id).ConfigureAwait(false) ?? throw NotFound(request.Id);
            if (stored.Last is not null) await responseStream.WriteAsync(stored.Last).ConfigureAwait(false);
            return;
        }
        int sent = 0;
        while (!context.CancellationToken.IsCancellationRequested)
        {
            var (snapshots, next) = run.SnapshotsFrom(sent);
            foreach (var snapshot in snapshots)
            {
                await responseStream.WriteAsync(snapshot, context.CancellationToken).ConfigureAwait(false);
            }
            sent += snapshots.Count;
            if (run.IsComplete && snapshots.Count == 0) return;
            // A timeout or a cancelled call only ends this wait; the loop condition decides what happens next.
            await next.WaitAsync(TimeSpan.FromSeconds(5), context.CancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public override async Task<StormStatus> GetStorm(StormRef request, ServerCallContext context) =>
        await registry.GetStatusAsync(request.Id).ConfigureAwait(false) ?? throw NotFound(request.Id);

    public override async Task<StormList> ListStorms(ListStormsRequest request, ServerCallContext context)
    {
        var list = new StormList();
        list.Storms.AddRange(await registry.ListAsync(request.Limit).ConfigureAwait(false));
        return list;
    }

    public override Task<VisitorGuildList> ListVisitorGuilds(VisitorGuildsRequest request, ServerCallContext context) =>
        Task.FromResult(visitors.ListGuilds(request.Limit));

    public override async Task<VisitorPass> IssueVisitorPass(VisitorPassRequest request, ServerCallContext context)
    {
        try
        {
            return await visitors.IssueAsync(request.Guild, context.CancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
        catch (InvalidOperationException ex)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message));
        }
    }

    public override Task<VisitorEchoReply> RecordVisitorEcho(VisitorEcho request, ServerCallContext context) =>
        Task.FromResult(new VisitorEchoReply { Recorded = visitors.RecordEcho(request) });

    private static RpcException NotFound(string id) => new(new Status(StatusCode.NotFound, $"no storm '{id}'"));
}
