using Flux.Swarm.Runs;
using Flux.Swarm.Targets;

namespace Flux.Swarm.Users;

/// <summary>
/// A peer's protocol (SignalR, Socket.IO) through its <see cref="PeerDialect"/>: the user keeps Flux's measurement with
/// the ledger's ordinals for seqs (see <see cref="UserReceipts.PeerMessage"/>). A peer's heartbeat is fixed by its
/// protocol, and some peers want the client to speak first.
/// </summary>
internal sealed class PeerClientProtocol(StormContext storm, SimulatedUser user, UserReceipts receipts, PeerDialect dialect, Action<byte[]> reply)
    : IClientProtocol, IPeerSession
{
    private bool _readyNow;

    public int HeartbeatMs => dialect.HeartbeatMs;

    public byte[] Heartbeat => dialect.Heartbeat ?? [];

    public byte[]? Opening => dialect.Opening;

    public Uri ConnectUri(Uri gateway) => dialect.ConnectUri(gateway, user.Token);

    public byte[] Send(long messageId, long intendedUs, bool traced) =>
        dialect.Send(user.Guild, messageId.ToString(System.Globalization.CultureInfo.InvariantCulture), storm.Body, intendedUs);

    public bool Read(ReadOnlySpan<byte> frame)
    {
        _readyNow = false;
        dialect.Read(frame, this);
        return _readyNow;
    }

    public void Ended(int? closeCode)
    {
    }

    string IPeerSession.Token => user.Token;

    string IPeerSession.Guild => user.Guild;

    void IPeerSession.Ready()
    {
        receipts.PeerJoined();
        _readyNow = true;
    }

    void IPeerSession.Message(in PeerMessage message)
    {
        if (!message.Guild.SequenceEqual(user.GuildUtf8) || !receipts.PeerMessage(message.Nonce))
        {
            Interlocked.Increment(ref storm.Counters.ForeignMessages);
        }
    }

    void IPeerSession.Reply(byte[] frame) => reply(frame);

    // The reason is "code: message"; the code is what the verdict judges.
    void IPeerSession.Refused(string? nonce, string reason) => user.SendRefused(nonce, reason.Split(':')[0]);

    void IPeerSession.Foreign() => Interlocked.Increment(ref storm.Counters.ForeignMessages);
}
