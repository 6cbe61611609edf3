using Flux.Gateway.Backplane;
using Flux.Gateway.Fanout;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Connections;

internal sealed partial class ClientSession
{
    private Task HandleFrameAsync(ClientFrame frame)
    {
        if (!IsIdentified)
        {
            return frame switch
            {
                IdentifyFrame identify => IdentifyAsync(identify),
                ResumeFrame resume => ResumeAsync(resume),
                _ => throw new ProtocolViolationException(CloseCodes.NotAuthenticated, "identify or resume first"),
            };
        }
        switch (frame)
        {
            case HeartbeatFrame:
                OnHeartbeat();
                return Task.CompletedTask;
            case SendFrame send:
                CheckSendRate();
                return PublishAsync(send);
            case RejectedSendFrame rejected:
                CheckSendRate();
                SendError(rejected.Code, rejected.Nonce, rejected.Reason);
                return Task.CompletedTask;
            case IdentifyFrame or ResumeFrame:
                throw new ProtocolViolationException(CloseCodes.AlreadyAuthenticated, "already identified");
            default:
                throw new ProtocolViolationException(CloseCodes.UnknownOp, "unknown op");
        }
    }

    private void OnHeartbeat()
    {
        long now = _services.Time.GetTimestamp();
        if (!_heartbeats.TryAcquire(now))
        {
            throw new ProtocolViolationException(CloseCodes.RateLimited,
                $"more than {_options.HeartbeatMaxPerInterval} heartbeats in {_options.HeartbeatIntervalMs} ms");
        }
        Volatile.Write(ref _lastHeartbeat, now);
        _transport.SendHeartbeatAck();
    }

    // One limit for all of the user's connections on this replica: more connections buy no more sends.
    private void CheckSendRate()
    {
        if (!_lease!.TryAcquireSend())
        {
            throw new ProtocolViolationException(CloseCodes.RateLimited,
                $"more than {_options.RateLimitSends} sends in {_options.RateLimitWindowSeconds} s by this user");
        }
    }

    private async Task PublishAsync(SendFrame send)
    {
        if (MemberOf(send.Guild) is not { } member)
        {
            SendError(ErrorCodes.ForbiddenGuild, send.Nonce, $"not a member of guild '{send.Guild}'");
            return;
        }
        using var activity = send.Trace is null ? null : GatewayActivities.StartPublish(send.Trace, send.Guild);
        string epoch = SessionEpoch(send.Guild);
        if (!member.Guild.CountsIn(epoch))
        {
            // The session and this replica know different lifetimes of the guild: Redis lost its state, and one of them
            // has not caught up. A message published now could land where no member, not even its sender, receives it.
            RefuseForLostState(send, member, activity, epoch);
            return;
        }
        // The msg frame carries the publish span's context, so fan-out and receivers join the same trace.
        string? trace = activity?.Id ?? send.Trace;
        var template = MessageFrameTemplate.Create(send.Guild, Identity!.User, send.Nonce, send.Body, send.Ts, trace);
        try
        {
            var published = await _services.Backplane.PublishAsync(send.Guild, template, trace, member.Guild.TakeExpiryRefresh(_options.GuildExpiryRenewInterval), epoch)
                .ConfigureAwait(false);
            if (published.Refused)
            {
                RefuseForLostState(send, member, activity, published.Epoch);
                return;
            }
            // Another epoch than this replica's: Redis lost the guild's state, and this replica may not have heard yet
            // (its subscription may still be reconnecting). Its members are told now, not later.
            _ = member.Guild.ObservePublished(published.Epoch);
        }
        catch (BackplaneUnavailableException ex)
        {
            Log.PublishFailed(_services.Logger, send.Guild, ex);
            _services.Metrics.PublishFailed();
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "redis unavailable");
            SendError(ErrorCodes.Unavailable, send.Nonce, "the message backplane is unavailable; the message was not confirmed");
        }
    }

    // Redis lost the guild's state since this session joined it (the publish script refused the send), or this replica
    // has not caught up with the loss yet. The send was not published, and the session cannot go on: it is told with
    // 4007, and so are the replica's other members once it has caught up (ObservePublished reads the guild's state).
    private void RefuseForLostState(SendFrame send, GuildMember member, System.Diagnostics.Activity? activity, string epoch)
    {
        _services.Metrics.PublishFailed();
        activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "guild state lost");
        SendError(ErrorCodes.Unavailable, send.Nonce, "the guild's state was lost in Redis; the message was not published");
        // After the error: the client learns that this send was not published before it learns why.
        CloseAfterFlush(CloseCodes.InvalidSession, $"guild {send.Guild} lost its state in Redis; identify again");
        _ = member.Guild.ObservePublished(epoch);
    }

    // The epoch this session joined the guild in (identify, or the session's record on resume).
    private string SessionEpoch(string guild) => _sessionGuilds.TryGetValue(guild, out var known) ? known.Epoch : string.Empty;

    private GuildMember? MemberOf(string guild)
    {
        lock (_membershipGate)
        {
            return _members.GetValueOrDefault(guild);
        }
    }

    private void SendError(string code, string? nonce, string reason) =>
        _transport.Send(ServerFrameWriter.Error(code, nonce, reason));
}
