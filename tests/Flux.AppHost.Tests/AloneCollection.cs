namespace Flux.AppHost.Tests;

/// <summary>
/// Test classes that start an AppHost heavier than the others (several swarm processes with their warm-up storms):
/// they run after the parallel ones, not beside them, so two cores are not shared by five AppHosts at once (CI saw the
/// embedded-mode warm-up fall short of its count when this one started beside it).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone";
}
