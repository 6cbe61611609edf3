namespace Flux.Swarm.Distributed;

/// <summary>Where one shard of a distributed storm ran, and how well its clock was known.</summary>
/// <param name="Where">The agent's URL, or "coordinator" for shard 0.</param>
/// <param name="ClockOffsetMicroseconds">The agent's clock minus the coordinator's, as measured (and corrected for).</param>
/// <param name="ClockUncertaintyMicroseconds">How far the true offset may be from that: half the best round trip.</param>
/// <param name="ClockDriftMicroseconds">How much the offset changed between the start and the end of the run (measured again after it).</param>
internal sealed record ShardPlacement(string Where, long ClockOffsetMicroseconds, long ClockUncertaintyMicroseconds, long ClockDriftMicroseconds = 0);
