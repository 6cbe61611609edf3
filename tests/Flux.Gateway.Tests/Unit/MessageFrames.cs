using System.Diagnostics;
using Flux.Gateway.Fanout;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Tests.Unit;

/// <summary>Real <c>msg</c> frames as the publish script produces them, so recipients can be checked by seq.</summary>
internal static class MessageFrames
{
    public static byte[] Bytes(string guild, long seq) =>
        MessageFrameTemplate.Create(guild, "user-1", $"nonce-{seq}", $"body {seq}", null, null).Splice(seq);

    public static OutboundFrame Outbound(string guild, long seq) => new(Bytes(guild, seq), Stopwatch.GetTimestamp());
}
