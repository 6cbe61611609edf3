using Flux.Protocol.Auth;
using Flux.Protocol.Storms.Faults;
using Flux.Protocol.Wire;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;
using Flux.Swarm.Telemetry;

namespace Flux.Swarm.Users;

/// <summary>
/// One simulated user: who it is (id, guild, tier, token), which fault picked it, and its three parts. Its
/// <see cref="UserConnection"/> keeps it connected; its <see cref="IClientProtocol"/> speaks Flux's protocol or a
/// peer's; its <see cref="Receipts"/> count what it received. What happens to its connections (a close, a drop, a cut)
/// is tied here to the fault that explains it, for the verdict.
/// </summary>
internal sealed class SimulatedUser : IFaultUser
{
    private readonly StormContext _storm;
    private readonly UserConnection _connection;
    private readonly IClientProtocol _protocol;
    private readonly List<ConnectionEnd> _cuts = [];

    public SimulatedUser(StormContext storm, int index, HeartbeatWheel heartbeats)
    {
        _storm = storm;
        Index = index;
        // Unique per run: the gateways' per-user send limit counts a sliding 60 s window, so a storm started right
        // after another (or after the warm-up) must not inherit its users' sends.
        Id = $"{storm.RunId}-u{index}";
        GuildIndex = storm.Layout.UserGuild[index];
        Guild = storm.Layout.GuildIds[GuildIndex];
        GuildUtf8 = System.Text.Encoding.UTF8.GetBytes(Guild);
        Token = storm.Tokens.Issue(Id, [Guild], storm.Layout.UserTier[index], TimeSpan.FromHours(2));
        Receipts = new UserReceipts(storm, this);
        _connection = new UserConnection(storm, this, heartbeats, new Random(storm.Seed ^ index));
        Action<byte[]> reply = frame => _ = _connection.SendAsync(frame);
        _protocol = storm.Dialect is { } dialect
            ? new PeerClientProtocol(storm, this, Receipts, dialect, reply)
            : new FluxClientProtocol(storm, this, Receipts, reply, () => _connection.Number);
        _connection.Speak(_protocol);
    }

    public int Index { get; }

    public string Id { get; }

    public int GuildIndex { get; }

    public string Guild { get; }

    public byte[] GuildUtf8 { get; }

    public string Token { get; }

    public Tier Tier => _storm.Layout.UserTier[Index];

    /// <summary>What this user received.</summary>
    public UserReceipts Receipts { get; }

    /// <summary>Set when the run ended (after the drain) with this user not connected.</summary>
    public bool AwayAtEnd { get; set; }

    /// <summary>Which measurements this user's deliveries count towards; set when a fault picks it.</summary>
    public Cohort Cohort { get; private set; }

    /// <summary>The fault that picked this user (slow consumers, partition), or -1: what happens to it is that fault's.</summary>
    public int PickedBy { get; private set; } = -1;

    /// <summary>Connected, identified or resumed, and not cut off: it may send.</summary>
    public bool IsReady => _connection.IsReady;

    /// <summary>Whatever goes wrong for this user now is this fault's (or nobody's, -1).</summary>
    public int FaultNow => _storm.FaultFor(PickedBy, _storm.Clock.NowSeconds, _connection.GatewayIndex);

    /// <summary>
    /// When this user's connection ended other than by its own choice (cut by a partition, dropped by a dying gateway,
    /// or closed by the gateway), and the fault that explains it: a send written just before may have died in the
    /// socket, or been discarded unread after the gateway's close frame.
    /// </summary>
    public IReadOnlyList<ConnectionEnd> Cuts
    {
        get
        {
            lock (_cuts) return [.. _cuts];
        }
    }

    /// <summary>Connects and keeps reconnecting until the run stops.</summary>
    public Task RunAsync() => _connection.RunAsync();

    public void Partition(double seconds, int fault)
    {
        Cohort = Cohort.Partitioned;
        PickedBy = fault;
        long now = _storm.Clock.NowMicroseconds;
        lock (_cuts) _cuts.Add(new ConnectionEnd(now, fault));
        _connection.Cut(now + (long)(seconds * 1e6));
    }

    public void PauseReading(double seconds, int fault)
    {
        Cohort = Cohort.SlowConsumers;
        PickedBy = fault;
        _connection.PauseReading(_storm.Clock.NowMicroseconds + (long)(seconds * 1e6));
    }

    /// <summary>Sends message <paramref name="messageId"/>, intended at <paramref name="intendedUs"/>. False if the user cannot send now.</summary>
    public bool TrySend(long messageId, long intendedUs, bool traced)
    {
        if (!IsReady) return false;
        _ = SendMessageAsync(_protocol.Send(messageId, intendedUs, traced), messageId);
        return true;
    }

    /// <summary>Called by the heartbeat wheel.</summary>
    public void SendHeartbeat() => _connection.SendHeartbeat();

    /// <summary>Closes the connection normally at the end of the run.</summary>
    public Task CloseAsync() => _connection.CloseAsync();

    /// <summary>The server refused a send (an error frame): its message will not come, and the refusal is judged by its code.</summary>
    public void SendRefused(string? nonce, string code)
    {
        // A peer's nonce is the message id; Flux's is sealed (MessageSeal), and names it first.
        if (long.TryParse(nonce, out long messageId)
            || (nonce is not null && MessageSeal.TryParseNonce(System.Text.Encoding.UTF8.GetBytes(nonce), out var sealedNonce) && (messageId = sealedNonce.Id) >= 0))
        {
            _storm.Ledger.MarkNotSent(messageId);
        }
        Interlocked.Increment(ref _storm.Counters.Rejected);
        int fault = FaultNow;
        _storm.Effects.Add(fault, Effect.RejectedSends);
        _storm.Effects.Closed(fault, CloseKinds.Rejected(code));
    }

    /// <summary>Records how a connection ended, against the fault that explains it (the verdict judges it there).</summary>
    public void ConnectionEnded(ConnectionOutcome outcome)
    {
        var counters = _storm.Counters;
        int fault = _storm.FaultFor(PickedBy, _storm.Clock.NowSeconds, outcome.Gateway);
        if (outcome.Planned)
        {
            // The swarm cut it (a partition): planned, and the partition's.
            Interlocked.Increment(ref counters.InjectedDisconnects);
            _storm.Effects.Closed(fault, CloseKinds.Cut);
        }
        else if (!outcome.Connected)
        {
            Interlocked.Increment(ref counters.ConnectFailures);
            // A connect that timed out may be the swarm's own slowness; one refused is the gateway's answer.
            _storm.Effects.Add(fault, outcome.TimedOut ? Effect.ConnectTimeouts : Effect.ConnectFailures);
        }
        else if (!outcome.WasReady && outcome.CloseCode is null)
        {
            // Upgraded, then dropped before it was ready: a failed connect too, not a disconnect.
            _storm.Effects.Add(fault, Effect.ConnectFailures);
        }
        else
        {
            if (outcome.CloseCode == CloseCodes.RateLimited && _storm.Plan.AllowLimitBreach) fault = _storm.LimitBreachFault;
            // Dropped without a close frame (a gateway died), or closed by the gateway, which discards what it reads
            // after its close frame: a send written just before may never have been published.
            lock (_cuts) _cuts.Add(new ConnectionEnd(_storm.Clock.NowMicroseconds, fault, outcome.CloseCode));
            _storm.Effects.Closed(fault, outcome.CloseCode switch
            {
                CloseCodes.Shed when Tier == Tier.High => CloseKinds.ShedHighTier,
                { } closeCode => CloseKinds.Of(closeCode),
                null => CloseKinds.Dropped,
            });
            if (outcome.CloseCode == CloseCodes.Shed)
            {
                Interlocked.Increment(ref counters.ShedDisconnects);
                Interlocked.Increment(ref counters.ShedByTier[(int)Tier]);
                // Its deliveries from now on (the replay of what it missed, too) are the overload's, not the healthy ones.
                if (Cohort == Cohort.Healthy) Cohort = Cohort.Shed;
            }
            if (fault >= 0) Interlocked.Increment(ref counters.InjectedDisconnects);
            else Interlocked.Increment(ref counters.UnexpectedDisconnects);
        }
        if (outcome.CloseCode == CloseCodes.InvalidSession) Interlocked.Increment(ref counters.SessionsLost);
        string reason = outcome.CloseCode is { } code ? $"{code} {CloseCodes.Name(code)}" : outcome.Error ?? "closed";
        Log.UserDisconnected(_storm.Logger, Id, reason);
    }

    private async Task SendMessageAsync(byte[] frame, long messageId)
    {
        if (await _connection.SendAsync(frame).ConfigureAwait(false))
        {
            Interlocked.Increment(ref _storm.Counters.Sent);
            return;
        }
        _storm.Ledger.MarkNotSent(messageId);
        Interlocked.Increment(ref _storm.Counters.NotSent);
    }
}

/// <summary>A connection that ended other than by the user's choice, in run microseconds, and the fault that explains it (-1: none).</summary>
internal readonly record struct ConnectionEnd(long AtMicroseconds, int Fault, int? CloseCode = null);
