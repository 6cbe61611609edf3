// Every test class here runs alone, one after another: each AppHost is two gateways, a swarm with its warm-up storm, a
// dashboard and Redis, and two cores shared by three of them at once (beside the browser tests' AppHost and Chromium in
// the other test project) were too few. CI saw the embedded-mode warm-up fall short of its count with AppHosts started
// beside it: 1,274 of some 4,000 messages once, 21 another time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Flux.AppHost.Tests;

/// <summary>
/// Test classes that start an AppHost heavier than the others (several swarm processes with their warm-up storms).
/// Since the whole assembly runs its classes one at a time, this collection only groups them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone";
}
