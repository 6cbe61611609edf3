using System.Security.Cryptography;
using Flux.Gateway.Auth;
using Flux.Gateway.Backplane;
using Flux.Gateway.Fanout;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Connections;

internal sealed partial class ClientSession
{
    /// <summary>The close reason for every backplane failure: Redis's own error text stays in the logs.</summary>
    public const string BackplaneUnavailableReason = "the message backplane is unavailable; retry with backoff";

    private string? _session;

    // Where this session stands in each of its guilds, as stored in Redis (kept to rewrite the record if Redis lost it).
    // Replaced whole, never changed in place, and read on other threads (the sweeper keeping the session alive, and the
    // close, write it back when Redis lost it): volatile, so they see the newest map and every entry put in before it.
    private volatile Dictionary<string, SessionGuild> _sessionGuilds = new(StringComparer.Ordinal);

    private async Task IdentifyAsync(IdentifyFrame identify)
    {
        CheckIdentifyRate();
        var identity = await _services.Tokens.ValidateAsync(identify.Token).ConfigureAwait(false);
        if (!Admit(identity)) return;
        string session = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

        var members = await JoinGuildsAsync(identity.Guilds).ConfigureAwait(false);
        if (members is null) return;
        var states = await WithBackplane(() => Task.WhenAll(members.Select(m => _services.Backplane.GetGuildStateAsync(m.Guild.Id)))).ConfigureAwait(false);
        if (!await CatchUpLaggingGuildsAsync(members, [.. states.Select(s => s.Epoch)]).ConfigureAwait(false)) return;
        var guilds = new Dictionary<string, SessionGuild>(StringComparer.Ordinal);
        var positions = new GuildPosition[members.Count];
        for (int i = 0; i < members.Count; i++)
        {
            guilds[members[i].Guild.Id] = new SessionGuild(states[i].Epoch, states[i].Seq);
            positions[i] = new GuildPosition(members[i].Guild.Id, states[i].Seq, states[i].Epoch);
        }
        await WithBackplane(() => _services.Backplane.SaveSessionAsync(session, identity.User, guilds)).ConfigureAwait(false);
        _session = session;
        _sessionGuilds = guilds;

        _transport.Send(ServerFrameWriter.Ready(session, identity.User, positions));
        for (int i = 0; i < members.Count; i++) members[i].GoLive(states[i].Seq);
        _live = true;
        // The client could not heartbeat while its join was handled; the interval starts now.
        Volatile.Write(ref _lastHeartbeat, _services.Time.GetTimestamp());
    }

    private async Task ResumeAsync(ResumeFrame resume)
    {
        CheckIdentifyRate();
        var identity = await _services.Tokens.ValidateAsync(resume.Token).ConfigureAwait(false);
        var record = await WithBackplane(() => _services.Backplane.GetSessionAsync(resume.Session)).ConfigureAwait(false);
        if (record is null || record.User != identity.User)
        {
            throw new ProtocolViolationException(CloseCodes.InvalidSession, "unknown or expired session; identify again");
        }
        if (!Admit(identity, returningFromShed: record.Shed))
        {
            // Kept out by this replica (shedding, its readmission gate, the user's connection limit), not away by choice:
            // the resume window starts again, so a user refused for longer than the window keeps its session, and what
            // it missed is replayed, or announced with a gap, once it is let in (instead of a 4007).
            await RenewRefusedSessionAsync(resume.Session, record).ConfigureAwait(false);
            return;
        }
        var guilds = new Dictionary<string, SessionGuild>(record.Guilds, StringComparer.Ordinal);
        // From here the session is this connection's: should its key vanish (the resume window ending during a long
        // replay), the close writes it back, and with its guilds, never without them. A record without a guild makes
        // the next resume start that guild from now: what was missed would be skipped in silence.
        _sessionGuilds = guilds;
        _session = resume.Session;

        var members = await JoinGuildsAsync(identity.Guilds).ConfigureAwait(false);
        if (members is null) return;
        var cursors = new long[members.Count];
        int replayed = 0;
        for (int i = 0; i < members.Count; i++)
        {
            string guild = members[i].Guild.Id;
            if (!guilds.TryGetValue(guild, out var known))
            {
                // A guild new to this session (a new token): it starts from now, as on identify.
                var state = await WithBackplane(() => _services.Backplane.GetGuildStateAsync(guild)).ConfigureAwait(false);
                // Copied, not changed in place: a close may be writing _sessionGuilds back meanwhile.
                guilds = new Dictionary<string, SessionGuild>(guilds, StringComparer.Ordinal) { [guild] = new SessionGuild(state.Epoch, state.Seq) };
                _sessionGuilds = guilds;
                cursors[i] = state.Seq;
            }
            else if (resume.Seqs.TryGetValue(guild, out long after))
            {
                // Never from before the session joined: what came earlier was never this session's to receive.
                (cursors[i], int count) = await ReplayAsync(guild, known, Math.Max(after, known.JoinedAt)).ConfigureAwait(false);
                replayed += count;
            }
            else
            {
                // Known, but the client tracks no position: it starts from now, in the same epoch.
                var state = await WithBackplane(() => _services.Backplane.GetGuildStateAsync(guild)).ConfigureAwait(false);
                CheckEpoch(guild, known, state.Epoch);
                CheckNotBehind(guild, known.JoinedAt, state.Seq, "the session joined it at");
                cursors[i] = state.Seq;
            }
            if (IsClosing) return;
        }
        if (!await CatchUpLaggingGuildsAsync(members, [.. members.Select(m => guilds[m.Guild.Id].Epoch)]).ConfigureAwait(false)) return;
        // The whole record, not only the guilds it added: its key may have vanished while the replay ran.
        await WithBackplane(() => _services.Backplane.SaveSessionAsync(resume.Session, identity.User, guilds)).ConfigureAwait(false);
        // A shed that came while this resume ran has marked the session again: that mark stays.
        if (record.Shed && !IsClosing) _services.Backplane.ClearSessionShed(resume.Session);
        _transport.Send(ServerFrameWriter.Resumed(replayed));
        for (int i = 0; i < members.Count; i++) members[i].GoLive(cursors[i]);
        _live = true;
        // Frames are not read during a replay, so a long one must not count as missed heartbeats.
        Volatile.Write(ref _lastHeartbeat, _services.Time.GetTimestamp());
    }

    // A replica that has not yet seen Redis lose a guild's state counts in the old epoch while this session joins the new
    // one: it closes every member when it catches up, this session among them, and refuses its sends until then. It is
    // caught up now, so the client hears 4007 before ready rather than after it. False when the session was closed.
    private async Task<bool> CatchUpLaggingGuildsAsync(List<GuildMember> members, string[] epochs)
    {
        for (int i = 0; i < members.Count; i++)
        {
            if (!members[i].Guild.CountsIn(epochs[i])) await members[i].Guild.ObservePublished(epochs[i]).ConfigureAwait(false);
        }
        return !IsClosing;
    }

    // Identify and resume attempts per client address, before any token is checked.
    private void CheckIdentifyRate()
    {
        if (!_services.Limits.TryIdentify(_address))
        {
            throw new ProtocolViolationException(CloseCodes.RateLimited, "too many identify or resume attempts from this address; back off");
        }
    }

    // Shedding refuses new connections of the tiers it currently sheds, or is still letting back in (a session shed by any
    // replica comes back through this one's readmission gate); a user may hold only so many connections.
    private bool Admit(GatewayIdentity identity, bool returningFromShed = false)
    {
        if (!_services.Shedder.Admits(identity.Tier, returningFromShed))
        {
            _services.Metrics.Shed(identity.Tier);
            Close(CloseCodes.Shed, _services.Shedder.RefusedReason);
            return false;
        }
        _lease = _services.Limits.TryAdmit(identity.User);
        if (_lease is null)
        {
            Close(CloseCodes.TooManyUserConnections, $"more than {_options.Limits.MaxConnectionsPerUser} connections for this user");
            return false;
        }
        Identity = identity;
        Volatile.Write(ref _lastHeartbeat, _services.Time.GetTimestamp());
        _countedActive = _services.Metrics.ConnectionOpened(identity.Tier);
        return true;
    }

    // Joins every guild; each member stashes live messages until GoLive. Null if the connection closed meanwhile.
    private async Task<List<GuildMember>?> JoinGuildsAsync(IReadOnlyList<string> guilds)
    {
        var joined = await WithBackplane(() => Task.WhenAll(guilds.Select(g => _services.Guilds.JoinAsync(g, this)))).ConfigureAwait(false);
        lock (_membershipGate)
        {
            if (!_membershipClosed)
            {
                foreach (var member in joined) _members[member.Guild.Id] = member;
                return [.. joined];
            }
        }
        foreach (var member in joined) GuildDirectory.Leave(member);
        return null;
    }

    /// <summary>
    /// Queues every stored message after <paramref name="after"/>, read in chunks, each within the queue's bounds
    /// (waiting, whenever the queue is full, until it has drained to half). Returns the seq replay reached (the
    /// member's cursor) and how many frames it queued.
    /// </summary>
    /// <exception cref="ProtocolViolationException">4007 when the guild's epoch is not the one the session knew.</exception>
    private async Task<(long Cursor, int Replayed)> ReplayAsync(string guild, SessionGuild known, long after)
    {
        long cursor = after;
        int replayed = 0;
        while (!IsClosing)
        {
            var slice = await WithBackplane(() => _services.Backplane.ReadHistoryAsync(guild, cursor, _options.ReplayChunk)).ConfigureAwait(false);
            CheckEpoch(guild, known, slice.Epoch);
            // A cursor, or the seq the session joined at, beyond the guild's latest: the seq went back in this epoch.
            CheckNotBehind(guild, cursor, slice.Latest, "the resume continues from");
            if (cursor == slice.Latest) return (cursor, replayed); // nothing newer
            if (slice.FromSeq > cursor + 1)
            {
                _transport.Send(ServerFrameWriter.Gap(guild, cursor + 1, slice.FromSeq - 1));
                cursor = slice.FromSeq - 1;
            }
            foreach (var frame in slice.Frames)
            {
                if (!await SendPacedAsync(frame).ConfigureAwait(false)) return (cursor, replayed);
                replayed++;
                cursor++;
            }
            if (cursor >= slice.Latest) break;
        }
        return (cursor, replayed);
    }

    // Queues a replayed frame within the queue's bounds, waiting for the client to read when the queue is full:
    // a long replay follows the client's reading speed. False when the connection closed meanwhile.
    private async ValueTask<bool> SendPacedAsync(ReadOnlyMemory<byte> frame)
    {
        while (true)
        {
            var result = _transport.Enqueue(new OutboundFrame(frame));
            if (result == EnqueueResult.Enqueued) return true;
            if (result == EnqueueResult.Closed) return false;
            if (_transport.QueuedFrames == 0)
            {
                // Even an empty queue cannot take it: the bounds are smaller than one stored message.
                _transport.CloseAsSlowConsumer();
                return false;
            }
            await _transport.WhenQueueHalfEmptyAsync().ConfigureAwait(false);
        }
    }

    // The guild's seq is below one the session already had: what comes next would reuse seqs the client holds. Never
    // silent: the client identifies afresh (docs/protocol.md, "Redis state loss").
    private void CheckNotBehind(string guild, long had, long latest, string what)
    {
        if (had <= latest) return;
        Log.StaleSessionEpoch(_services.Logger, Id, guild);
        throw new ProtocolViolationException(CloseCodes.InvalidSession,
            $"guild {guild} is at seq {latest}, behind the {had} {what}: its seqs went back in Redis; identify again");
    }

    private void CheckEpoch(string guild, SessionGuild known, string epoch)
    {
        if (known.Epoch == epoch) return;
        Log.StaleSessionEpoch(_services.Logger, Id, guild);
        throw new ProtocolViolationException(CloseCodes.InvalidSession, $"guild {guild} lost its state in Redis since this session joined it; identify again");
    }

    /// <summary>
    /// Keeps the session resumable while the connection is up, so a connection that dies without this replica
    /// noticing (a crash, a silent partition) can still be resumed elsewhere. The sweeper calls this every half
    /// resume window; each call renews the session for a full window.
    /// </summary>
    public void KeepSessionAlive()
    {
        if (IsClosing || _session is null || Identity is null) return;
        _ = RenewSessionAsync();
    }

    private async Task RenewSessionAsync()
    {
        if (_session is null || Identity is null) return;
        try
        {
            // Should Redis have lost the session while the connection was up, it is written again as this replica knows
            // it. Its guild epochs are the old ones, so a resume into a guild whose state was lost is still refused.
            await _services.Backplane.RenewOrRestoreSessionAsync(_session, Identity.User, _sessionGuilds).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException)
        {
            // Redis is down: the session cannot be resumed, and the client will identify afresh.
        }
    }

    // The record was read a moment ago: should the key have expired since, it is written back as read, shed mark and all.
    private async Task RenewRefusedSessionAsync(string session, SessionRecord record)
    {
        try
        {
            await _services.Backplane.RenewOrRestoreSessionAsync(session, record.User, record.Guilds, record.Shed).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException)
        {
            // Redis is down: the refusal stands, and the session's window runs on.
        }
    }

    // Without Redis a session cannot be created, read or joined: close with 1011, which the client may retry.
    private async Task<T> WithBackplane<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException ex)
        {
            Log.BackplaneCallFailed(_services.Logger, Id, ex.Message);
            throw new ProtocolViolationException(CloseCodes.InternalError, BackplaneUnavailableReason);
        }
    }

    private async Task WithBackplane(Func<Task> call) => await WithBackplane(async () => { await call().ConfigureAwait(false); return 0; }).ConfigureAwait(false);
}
