namespace Flux.Gateway.Tests.Cluster;

/// <summary>
/// The Redis Cluster tests run on their own, after the classes that run in parallel: they time how fast a send to a
/// dead shard is answered (within 3 s, where the publish deadline is 1.5 s), and the gateways run in the test process.
/// Beside the other classes, on two busy cores, one answer came 3.4 s after its deadline (CI, 2026-12-07).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster, alone";
}
