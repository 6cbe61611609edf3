namespace Flux.Swarm.Tests;

/// <summary>
/// Storm tests run one at a time, after the unit tests: each storm drives real gateways with a few hundred
/// messages a second, and two of them at once on a small machine would measure each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StormCollection
{
    public const string Name = "storms";
}
