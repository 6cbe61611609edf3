using System.Text.Json;
using Flux.Protocol.Wire;
using Flux.Swarm.Runs;
using Flux.Swarm.Telemetry;

namespace Flux.Swarm.Users;

/// <summary>
/// Flux's protocol v1 as a client speaks it (docs/protocol.md): <c>hello</c> is answered with <c>identify</c>, or with
/// <c>resume</c> from the last seq seen once there is a session; <c>ready</c> and <c>resumed</c> make the connection
/// ready; <c>msg</c> and <c>gap</c> go to the receipts; <c>error</c> is a refused send. A 4007 close forgets the session,
/// so the next connection identifies afresh.
/// </summary>
/// <param name="connection">Which of the user's connections is open now (from 1), for the nonce.</param>
internal sealed class FluxClientProtocol(StormContext storm, SimulatedUser user, UserReceipts receipts, Action<byte[]> reply, Func<int> connection)
    : IClientProtocol
{
    private string? _session;

    public int HeartbeatMs { get; private set; }

    public byte[] Heartbeat => ClientFrameWriter.Heartbeat;

    public byte[]? Opening => null;

    public Uri ConnectUri(Uri gateway) => gateway;

    // Sealed (MessageSeal): every recipient can check the message is the one sent, and which of the sender's it is.
    public byte[] Send(long messageId, long intendedUs, bool traced)
    {
        using var activity = traced ? SwarmActivities.StartMessageSend(storm.StormTrace, user.Guild, messageId) : null;
        long ordinal = storm.Ledger.ById(messageId).Ordinal;
        string nonce = MessageSeal.Nonce(messageId, user.Index, ordinal, connection());
        return ClientFrameWriter.Send(user.Guild, nonce, storm.Seal.Body(messageId, intendedUs, user.Index), intendedUs, activity?.Id);
    }

    public bool Read(ReadOnlySpan<byte> frame)
    {
        ServerOp op;
        MessageView message;
        try
        {
            op = ServerFrameReader.Peek(frame, out message);
        }
        catch (JsonException)
        {
            Interlocked.Increment(ref storm.Counters.ForeignMessages);
            return false;
        }
        switch (op)
        {
            case ServerOp.Message:
                OnMessage(message);
                return false;
            case ServerOp.HeartbeatAck:
                return false;
            default:
                return OnControl(ServerFrameReader.Read(frame));
        }
    }

    public void Ended(int? closeCode)
    {
        if (closeCode == CloseCodes.InvalidSession) _session = null;
    }

    private void OnMessage(in MessageView message)
    {
        if (!message.Guild.SequenceEqual(user.GuildUtf8) || !receipts.Message(message))
        {
            Interlocked.Increment(ref storm.Counters.ForeignMessages);
        }
    }

    private bool OnControl(ServerFrame frame)
    {
        switch (frame.Op)
        {
            case ServerOp.Hello:
                HeartbeatMs = frame.HeartbeatMs;
                reply(_session is null
                    ? ClientFrameWriter.Identify(user.Token)
                    : ClientFrameWriter.Resume(user.Token, _session, [new(user.Guild, receipts.Tracker?.Highest ?? 0)]));
                return false;
            case ServerOp.Ready:
                _session = frame.Session;
                var position = frame.Guilds.FirstOrDefault(g => g.Guild == user.Guild);
                receipts.Joined(position.Epoch, position.Seq, user.FaultNow);
                return true;
            case ServerOp.Resumed:
                Interlocked.Increment(ref storm.Counters.Resumes);
                return true;
            case ServerOp.Gap:
                Interlocked.Increment(ref storm.Counters.GapsReported);
                if (frame.Guild == user.Guild) receipts.Gap(frame.GapFrom, frame.GapTo, user.FaultNow);
                return false;
            case ServerOp.Error:
                user.SendRefused(frame.Nonce, frame.Code ?? "none");
                return false;
            default:
                Interlocked.Increment(ref storm.Counters.ForeignMessages);
                return false;
        }
    }
}
