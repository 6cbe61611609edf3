using System.Security.Cryptography;
using Flux.Gateway.Auth;
using Flux.Gateway.Backplane;
using Flux.Gateway.Fanout;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Connections;

internal sealed partial class ClientConnection
{
    private string? _session;

    private async Task IdentifyAsync(IdentifyFrame identify)
    {
        var identity = await _services.Tokens.ValidateAsync(identify.Token).ConfigureAwait(false);
        if (!Admit(identity)) return;
        string session = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        await WithBackplane(() => _services.Backplane.SaveSessionAsync(session, identity.User)).ConfigureAwait(false);
        _session = session;

        var members = await JoinGuildsAsync(identity.Guilds).ConfigureAwait(false);
        if (members is null) return;
        var latest = await WithBackplane(() => Task.WhenAll(members.Select(m => _services.Backplane.GetLatestSeqAsync(m.Guild.Id)))).ConfigureAwait(false);

        var positions = new GuildPosition[members.Count];
        for (int i = 0; i < members.Count; i++) positions[i] = new GuildPosition(members[i].Guild.Id, latest[i]);
        Send(ServerFrameWriter.Ready(session, identity.User, positions));
        for (int i = 0; i < members.Count; i++) members[i].GoLive(latest[i]);
        // The client could not heartbeat while its join was handled; the interval starts now.
        Volatile.Write(ref _lastHeartbeat, _services.Time.GetTimestamp());
    }

    private async Task ResumeAsync(ResumeFrame resume)
    {
        var identity = await _services.Tokens.ValidateAsync(resume.Token).ConfigureAwait(false);
        string? owner = await WithBackplane(() => _services.Backplane.GetSessionUserAsync(resume.Session)).ConfigureAwait(false);
        if (owner is null || owner != identity.User)
        {
            throw new ProtocolViolationException(CloseCodes.InvalidSession, "unknown or expired session; identify again");
        }
        if (!Admit(identity)) return;
        _session = resume.Session;
        await WithBackplane(() => _services.Backplane.SaveSessionAsync(resume.Session, identity.User)).ConfigureAwait(false);

        var members = await JoinGuildsAsync(identity.Guilds).ConfigureAwait(false);
        if (members is null) return;
        var cursors = new long[members.Count];
        int replayed = 0;
        for (int i = 0; i < members.Count; i++)
        {
            string guild = members[i].Guild.Id;
            if (resume.Seqs.TryGetValue(guild, out long after))
            {
                (cursors[i], int count) = await ReplayAsync(guild, after).ConfigureAwait(false);
                replayed += count;
            }
            else
            {
                // A guild the session did not know about: it starts from now, as on identify.
                cursors[i] = await WithBackplane(() => _services.Backplane.GetLatestSeqAsync(guild)).ConfigureAwait(false);
            }
            if (IsClosing) return;
        }
        Send(ServerFrameWriter.Resumed(replayed));
        for (int i = 0; i < members.Count; i++) members[i].GoLive(cursors[i]);
        // Frames are not read during a replay, so a long one must not count as missed heartbeats.
        Volatile.Write(ref _lastHeartbeat, _services.Time.GetTimestamp());
    }

    // Shedding refuses new connections of the tiers it currently sheds.
    private bool Admit(GatewayIdentity identity)
    {
        if (_services.Shedder.Refuses(identity.Tier))
        {
            _services.Metrics.Shed(identity.Tier);
            RequestClose(CloseCodes.Shed, "shedding load; retry later", flush: false);
            return false;
        }
        Identity = identity;
        Volatile.Write(ref _lastHeartbeat, _services.Time.GetTimestamp());
        _services.Metrics.ConnectionOpened(identity.Tier);
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
    /// Queues every stored message after <paramref name="after"/>, in chunks, letting the queue drain between them.
    /// Returns the seq replay reached (the member's cursor) and how many frames it queued.
    /// </summary>
    private async Task<(long Cursor, int Replayed)> ReplayAsync(string guild, long after)
    {
        long cursor = after;
        int replayed = 0;
        while (!IsClosing)
        {
            var slice = await WithBackplane(() => _services.Backplane.ReadHistoryAsync(guild, cursor, _options.ReplayChunk)).ConfigureAwait(false);
            if (cursor >= slice.Latest)
            {
                // Nothing newer; a cursor beyond the guild's seq (a client error, or Redis lost the guild) restarts at the guild's seq.
                return (Math.Min(cursor, slice.Latest), replayed);
            }
            if (slice.FromSeq > cursor + 1)
            {
                Send(ServerFrameWriter.Gap(guild, cursor + 1, slice.FromSeq - 1));
                cursor = slice.FromSeq - 1;
            }
            foreach (var frame in slice.Frames)
            {
                Send(frame);
            }
            replayed += slice.Frames.Length;
            cursor += slice.Frames.Length;
            if (cursor >= slice.Latest) break;
            await WaitForQueueToDrainAsync().ConfigureAwait(false);
        }
        return (cursor, replayed);
    }

    private async Task WaitForQueueToDrainAsync()
    {
        while (!IsClosing && (_queue.Count > _options.SendQueueMaxFrames / 2 || _queue.Bytes > _options.SendQueueMaxBytes / 2))
        {
            await Task.Delay(5).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Keeps the session resumable while the connection is up, so a connection that dies without this replica
    /// noticing (a crash, a silent partition) can still be resumed elsewhere. The sweeper calls this every half
    /// resume window; each call renews the session for a full window.
    /// </summary>
    public void KeepSessionAlive()
    {
        if (IsClosing || _session is null || Identity is null) return;
        _ = RefreshSessionAsync();
    }

    // The resume window starts at disconnect: the session is kept for that long from now.
    private async Task RefreshSessionAsync()
    {
        if (_session is null || Identity is null) return;
        try
        {
            await _services.Backplane.SaveSessionAsync(_session, Identity.User).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException)
        {
            // Redis is down: the session cannot be resumed, and the client will identify afresh.
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
            throw new ProtocolViolationException(CloseCodes.InternalError, $"backplane unavailable: {ex.Message}");
        }
    }

    private async Task WithBackplane(Func<Task> call) => await WithBackplane(async () => { await call().ConfigureAwait(false); return 0; }).ConfigureAwait(false);
}
