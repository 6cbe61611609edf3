using System.Text;
using Flux.Swarm.Targets;

namespace Flux.Swarm.Tests.Unit.Targets;

/// <summary>Records what a dialect reports, as a simulated user would receive it.</summary>
internal sealed class RecordingSession(string token = "t0k.en", string guild = "g-1") : IPeerSession
{
    public string Token { get; } = token;
    public string Guild { get; } = guild;
    public List<(string Guild, long Nonce, long Ts)> Messages { get; } = [];
    public List<string> Replies { get; } = [];
    public List<(string? Nonce, string Reason)> Refusals { get; } = [];
    public int Readies { get; private set; }
    public int Foreigns { get; private set; }

    public void Message(in PeerMessage message) => Messages.Add((Encoding.UTF8.GetString(message.Guild), message.Nonce, message.Ts));

    public void Ready() => Readies++;

    public void Reply(byte[] frame) => Replies.Add(Encoding.UTF8.GetString(frame));

    public void Refused(string? nonce, string reason) => Refusals.Add((nonce, reason));

    public void Foreign() => Foreigns++;
}
