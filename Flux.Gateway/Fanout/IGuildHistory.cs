using Flux.Gateway.Backplane;

namespace Flux.Gateway.Fanout;

/// <summary>Reads a guild's stored messages; the fan-out uses it to fill gaps in what it received live.</summary>
internal interface IGuildHistory
{
    Task<HistorySlice> ReadHistoryAsync(string guild, long afterSeq, int max);
}
