using Flux.Protocol.Agents;
using Flux.Swarm.Measurement;

namespace Flux.Swarm.Distributed;

/// <summary>
/// How far an agent's clock is from the coordinator's, estimated as NTP does: the coordinator reads its clock (t0),
/// asks the agent for its own (t1), reads its clock again (t2). If the request and the answer took equal time, the
/// offset is t1 - (t0 + t2) / 2; however unequal they were, the true offset is within half the round trip of that. The
/// sample with the shortest round trip is kept. Agents on one machine share a clock: their offset is about zero and its
/// bound a fraction of a millisecond.
/// </summary>
internal static class ClockSync
{
    private const int Samples = 8;

    public static async Task<ShardPlacement> MeasureAsync(string where, SwarmAgent.SwarmAgentClient agent, CancellationToken cancellationToken)
    {
        long bestRoundTrip = long.MaxValue, bestOffset = 0;
        for (int i = 0; i < Samples; i++)
        {
            long t0 = StormClock.UnixMicrosecondsNow();
            var reading = await agent.ReadClockAsync(new ClockRequest(), cancellationToken: cancellationToken).ConfigureAwait(false);
            long t2 = StormClock.UnixMicrosecondsNow();
            long roundTrip = Math.Max(0, t2 - t0);
            if (roundTrip < bestRoundTrip)
            {
                bestRoundTrip = roundTrip;
                bestOffset = reading.UnixUs - (t0 + t2) / 2;
            }
        }
        return new ShardPlacement(where, bestOffset, (bestRoundTrip + 1) / 2);
    }

    /// <summary>
    /// The most clock uncertainty a storm accepts: a tenth of its p95 limit (5 ms for the default 50 ms). Beyond it a
    /// cross-agent latency could be off by more than the SLA's own resolution, so the storm is refused.
    /// </summary>
    public static long MaxUncertaintyMicroseconds(Flux.Protocol.Storms.StormPlan plan) => (long)(plan.Sla.P95Ms * 100);
}
