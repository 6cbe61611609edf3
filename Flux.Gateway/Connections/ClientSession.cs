using System.Security.Cryptography;
using Flux.Gateway.Auth;
using Flux.Gateway.Fanout;
using Flux.Gateway.Limits;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Connections;

/// <summary>
/// One client's session on its connection: identify or resume, the replay, guild membership, heartbeats and the
/// limits. It handles the client's frames one at a time, in order, and answers through its
/// <see cref="ConnectionTransport"/>; it never touches the socket itself.
/// </summary>
internal sealed partial class ClientSession : IGuildRecipient
{
    private readonly ConnectionTransport _transport;
    private readonly GatewayServices _services;
    private readonly GatewayOptions _options;
    private readonly System.Net.IPAddress? _address;
    private readonly long _openedAt;
    private readonly SlidingWindowLimiter _heartbeats;
    private readonly Lock _membershipGate = new();
    private readonly Dictionary<string, GuildMember> _members = new(StringComparer.Ordinal);
    private bool _membershipClosed;
    private bool _addressCounted;
    private bool _countedActive;
    private long _lastHeartbeat;
    private volatile bool _live;
    private UserLease? _lease;

    public ClientSession(ClientChannel channel, GatewayServices services)
    {
        _services = services;
        _options = services.Options;
        _address = channel.RemoteAddress;
        _openedAt = services.Time.GetTimestamp();
        _heartbeats = new SlidingWindowLimiter(_options.HeartbeatMaxPerInterval, TimeSpan.FromMilliseconds(_options.HeartbeatIntervalMs), services.Time);
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        _transport = new ConnectionTransport(id, channel, _options, services.Metrics, services.Time, services.Logger, OnClosing);
    }

    public string Id => _transport.Id;

    public GatewayIdentity? Identity { get; private set; }

    public bool IsIdentified => Identity is not null;

    public Tier Tier => Identity?.Tier ?? Tier.Normal;

    public bool IsClosing => _transport.IsClosing;

    public int QueuedFrames => _transport.QueuedFrames;

    public long QueuedBytes => _transport.QueuedBytes;

    public async Task RunAsync()
    {
        bool admitted = _services.Registry.Add(this);
        try
        {
            if (!admitted)
            {
                // Upgraded just as a drain began, too late for its snapshot: it leaves the way the drained ones do.
                Close(CloseCodes.Draining, DrainCoordinator.CloseReason);
                return;
            }
            if (!_services.Limits.TryOpen(_address))
            {
                Close(CloseCodes.TooManyIpConnections, $"more than {_options.Limits.MaxConnectionsPerIp} connections from this address");
                return;
            }
            _addressCounted = true;
            _transport.Send(ServerFrameWriter.Hello(_options.HeartbeatIntervalMs, _options.Advertised()));
            // The receive loop, inline: one state machine fewer held by every idle connection.
            while (!IsClosing)
            {
                using var message = await _transport.ReceiveAsync().ConfigureAwait(false);
                if (message.IsClientClose)
                {
                    OnClientClose();
                    break;
                }
                // A close from elsewhere (the fan-out, the sweeper, a drain) while this frame arrived: it is not handled.
                if (IsClosing) break;
                await HandleFrameAsync(ClientFrameReader.Read(message.Span)).ConfigureAwait(false);
            }
        }
        catch (ProtocolViolationException ex)
        {
            Log.ProtocolViolation(_services.Logger, Id, ex.CloseCode, ex.Message);
            Close(ex.CloseCode, ex.Message);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client went away, or the connection was aborted: nothing to tell it.
        }
        catch (Exception ex)
        {
            Log.ConnectionFailed(_services.Logger, Id, ex);
            Close(CloseCodes.InternalError, "internal error");
        }
        finally
        {
            await FinishAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes the connection, discarding what is queued. Safe from any thread.</summary>
    public void Close(int code, string reason) => _transport.Close(code, reason, flush: false);

    /// <summary>
    /// Sheds this connection (1013 with <paramref name="reason"/>) and marks its session, so that the replica it resumes
    /// on lets it back through its readmission gate.
    /// </summary>
    public void CloseAsShed(string reason)
    {
        if (_session is { } session) _services.Backplane.MarkSessionShed(session);
        Close(CloseCodes.Shed, reason);
    }

    /// <summary>The client reads too slowly: close with 4012, discarding what is queued.</summary>
    public void CloseAsSlowConsumer() => _transport.CloseAsSlowConsumer();

    /// <summary>Closes after the queued frames have gone out (drain), so the client's last seq is exact.</summary>
    public void CloseAfterFlush(int code, string reason) => _transport.Close(code, reason, flush: true);

    /// <summary>Closes for an identify timeout or missed heartbeats; called by the sweeper about once a second.</summary>
    public void CheckTimers(long now)
    {
        if (IsClosing) return;
        _transport.TrimIdleQueue();
        var time = _services.Time;
        if (!IsIdentified)
        {
            if (time.GetElapsedTime(_openedAt, now).TotalMilliseconds > _options.IdentifyTimeoutMs)
            {
                Close(CloseCodes.NotAuthenticated, "no identify or resume in time");
            }
        }
        else if (time.GetElapsedTime(Volatile.Read(ref _lastHeartbeat), now).TotalMilliseconds > 2.0 * _options.HeartbeatIntervalMs)
        {
            Close(CloseCodes.HeartbeatTimeout, "missed two heartbeat intervals");
        }
    }

    /// <summary>True once the client has its <c>ready</c> or <c>resumed</c> (and until it closes): path probes may go out.</summary>
    public bool IsLive => _live && !IsClosing;

    /// <summary>Starts a path probe behind this connection's deliveries (<see cref="PathProbe"/>); only live connections are probed.</summary>
    public ProbeStart TryStartProbe(long check, int roundChecks, out long id)
    {
        id = 0;
        return IsLive ? _transport.TryStartProbe(check, roundChecks, out id) : ProbeStart.Skipped;
    }

    /// <summary>The delay of probe <paramref name="id"/> (see <see cref="ConnectionTransport.ProbeDelay"/>); null if it is no longer this connection's probe.</summary>
    public TimeSpan? ProbeDelay(long id) => _transport.ProbeDelay(id);

    EnqueueResult IGuildRecipient.Deliver(in OutboundFrame frame) => _transport.Enqueue(frame);

    void IGuildRecipient.OnOverflow() => _transport.CloseAsSlowConsumer();

    void IGuildRecipient.OnGuildStateLost(string guild) =>
        Close(CloseCodes.InvalidSession, $"guild {guild} lost its state in Redis; identify again");

    private void OnClientClose()
    {
        if (IsClosing) return; // the client is acknowledging our close
        _transport.Close(_transport.ClientCloseStatus ?? CloseCodes.Normal, "closed by client", flush: false);
    }

    // Runs once, when the transport starts closing for any reason: nothing more is queued for this connection.
    private void OnClosing()
    {
        lock (_membershipGate)
        {
            _membershipClosed = true;
            foreach (var member in _members.Values) GuildDirectory.Leave(member);
            _members.Clear();
        }
    }

    private async Task FinishAsync()
    {
        await _transport.CompleteAsync().ConfigureAwait(false);
        _services.Registry.Remove(this);
        if (_addressCounted) _services.Limits.Close(_address);
        _lease?.Release();
        if (Identity is { } identity)
        {
            _services.Metrics.ConnectionClosed(identity.Tier, _countedActive);
            // The resume window starts at disconnect: the session is kept for that long from now.
            await RenewSessionAsync().ConfigureAwait(false);
        }
    }
}
