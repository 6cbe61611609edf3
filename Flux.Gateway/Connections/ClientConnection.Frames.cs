using Flux.Gateway.Backplane;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Connections;

internal sealed partial class ClientConnection
{
    private SendRateLimiter? _rateLimiter;

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
                Volatile.Write(ref _lastHeartbeat, _services.Time.GetTimestamp());
                Send(ServerFrameWriter.HeartbeatAck);
                return Task.CompletedTask;
            case SendFrame send:
                CheckRate();
                return SendAsync(send);
            case RejectedSendFrame rejected:
                CheckRate();
                SendError(rejected.Code, rejected.Nonce, rejected.Reason);
                return Task.CompletedTask;
            case IdentifyFrame or ResumeFrame:
                throw new ProtocolViolationException(CloseCodes.AlreadyAuthenticated, "already identified");
            default:
                throw new ProtocolViolationException(CloseCodes.UnknownOp, "unknown op");
        }
    }

    private void CheckRate()
    {
        _rateLimiter ??= new SendRateLimiter(_options.RateLimitSends, TimeSpan.FromSeconds(_options.RateLimitWindowSeconds));
        if (!_rateLimiter.TryAcquire(_services.Time.GetTimestamp()))
        {
            throw new ProtocolViolationException(CloseCodes.RateLimited,
                $"more than {_options.RateLimitSends} sends in {_options.RateLimitWindowSeconds} s");
        }
    }

    private async Task SendAsync(SendFrame send)
    {
        if (!IsMemberOf(send.Guild))
        {
            SendError(ErrorCodes.ForbiddenGuild, send.Nonce, $"not a member of guild '{send.Guild}'");
            return;
        }
        using var activity = send.Trace is null ? null : GatewayActivities.StartPublish(send.Trace, send.Guild);
        // The msg frame carries the publish span's context, so fan-out and receivers join the same trace.
        string? trace = activity?.Id ?? send.Trace;
        var template = MessageFrameTemplate.Create(send.Guild, Identity!.User, send.Nonce, send.Body, send.Ts, trace);
        try
        {
            await _services.Backplane.PublishAsync(send.Guild, template, trace).ConfigureAwait(false);
            _services.Counters.PublishedOne();
        }
        catch (BackplaneUnavailableException ex)
        {
            Log.PublishFailed(_services.Logger, send.Guild, ex);
            _services.Metrics.PublishFailed();
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "redis unavailable");
            SendError(ErrorCodes.Unavailable, send.Nonce, "the message backplane is unavailable; the message was not confirmed");
        }
    }

    private bool IsMemberOf(string guild)
    {
        lock (_membershipGate)
        {
            return _members.ContainsKey(guild);
        }
    }

    private void SendError(string code, string? nonce, string reason) =>
        Send(ServerFrameWriter.Error(code, nonce, reason));
}
