namespace Flux.Gateway.Backplane;

/// <summary>
/// The Lua scripts that make the backplane consistent. Each runs atomically (Redis always; Garnet with
/// <c>--lua-transaction-mode</c>, which locks KEYS), so every replica sees one order per guild.
/// </summary>
internal static class BackplaneScripts
{
    /// <summary>
    /// Assigns the next seq, appends the finished frame to history, and publishes <c>seq \n epoch \n published \n traceparent \n frame</c>.
    /// Because seq assignment and publish happen in one script, subscribers receive a guild's messages in seq order,
    /// and history always holds a gap-free run of seqs ending at the current seq.
    /// The epoch names this lifetime of the guild's state. A guild's state is its seq and its epoch together, and the seq
    /// only ever grows within an epoch: when either key is missing (Redis lost the state: FLUSHALL, a restart without
    /// persistence, an eviction), or the new seq is not above the highest the epoch reached (the seq key was set back),
    /// the script starts a new epoch and drops the old history, so every replica can tell that the seqs started over and
    /// tells the members (4007) instead of dropping new seqs as already delivered.
    /// <para>
    /// A send is published only into the epoch its sender's session joined (ARGV[11]). A session that joined a lifetime
    /// Redis has lost since is refused, and nothing is stored but the new epoch when it had to start one (the old history
    /// dropped, the seq and top kept at the current seq): its members are all closed with 4007
    /// and start from the new epoch's top, so a message published into it from the old lifetime would reach nobody, not
    /// even its sender, whose later sends could then land and be received while this one never was. A refusal publishes
    /// a notice instead of a message (<c>seq \n epoch \n published \n \n</c>, an empty frame, the seq the current one):
    /// every replica still counting in the lost epoch learns of it at once (<see cref="PublishedEnvelope.IsNotice"/>),
    /// even when the new epoch was created silently, by an identify's read of the guild's state.
    /// </para>
    /// History is trimmed back to its length only once it is a slack over it. Every key of the guild expires the guild's
    /// ttl after it was last renewed: the seq and top are written with KEEPTTL, and all four keys are given the ttl
    /// when the caller asks (once per renewal interval, per replica) or when this script created one of them (a new epoch, the
    /// history's first entry, the guild's first top). LTRIM and EXPIRE on every call made the script three times
    /// slower on Garnet (docs/benchmarks.md).
    /// KEYS: seq, history, epoch, top. ARGV: frame prefix, frame suffix, history length, channel, traceparent,
    /// the guild's ttl in seconds, trim slack, a fresh epoch in case a new one is needed,
    /// when the publishing replica sent the command (Unix microseconds), from which every replica measures its fan-out
    /// lag, the publish command: PUBLISH, or SPUBLISH on a Redis Cluster (the message then stays in the guild's shard),
    /// the epoch the sender's session joined ('': publish in whatever epoch there is), and '1' to renew the ttl of
    /// every key now ('0': only of keys this call creates).
    /// Returns the seq and the epoch it was assigned in, or seq 0 and the current epoch when the send was refused: either
    /// way a publishing replica that finds another epoch than its own learns at once that the guild's state was lost
    /// (see <c>GuildFanout.ObservePublished</c>).
    /// </summary>
    public const string Publish = """
        local fenced = ARGV[11] and ARGV[11] ~= ''
        local renew = ARGV[12] == '1'
        local epoch = redis.call('GET', KEYS[3])
        local last = redis.call('GET', KEYS[1])
        local top = redis.call('GET', KEYS[4])
        local seq = tonumber(last or '0') + 1
        if (not epoch) or (not last) or seq <= tonumber(top or '0') then
          redis.call('DEL', KEYS[2])
          redis.call('SET', KEYS[3], ARGV[8])
          epoch = ARGV[8]
          if fenced then
            redis.call('SET', KEYS[1], seq - 1)
            redis.call('SET', KEYS[4], seq - 1)
          end
          renew = true
        end
        if fenced and ARGV[11] ~= epoch then
          if renew then for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[6]) end end
          redis.call(ARGV[10], ARGV[4], (seq - 1) .. '\n' .. epoch .. '\n' .. ARGV[9] .. '\n\n')
          return { 0, epoch }
        end
        redis.call('SET', KEYS[1], seq, 'KEEPTTL')
        redis.call('SET', KEYS[4], seq, 'KEEPTTL')
        local frame = ARGV[1] .. seq .. ARGV[2]
        local length = redis.call('RPUSH', KEYS[2], frame)
        local keep = tonumber(ARGV[3])
        if length > keep + tonumber(ARGV[7]) then redis.call('LTRIM', KEYS[2], -keep, -1) end
        if renew or length == 1 or not top then
          for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[6]) end
        end
        redis.call(ARGV[10], ARGV[4], seq .. '\n' .. epoch .. '\n' .. ARGV[9] .. '\n' .. ARGV[5] .. '\n' .. frame)
        return { seq, epoch }
        """;

    /// <summary>
    /// Reads up to ARGV[2] frames after seq ARGV[1]. History holds seqs (latest - len + 1) .. latest. A guild it creates
    /// the epoch of gets its seq too (0), so a seq missing beside an epoch always means the seq was lost; both expire
    /// after the guild's ttl, as the publish script's keys do.
    /// KEYS: seq, history, epoch. ARGV: after, max, a fresh epoch in case none exists, the guild's ttl in seconds.
    /// Returns { latest, first seq held, epoch, frames... from max(after + 1, first) }.
    /// </summary>
    public const string ReadHistory = """
        local epoch = redis.call('GET', KEYS[3])
        if not epoch then
          redis.call('SET', KEYS[3], ARGV[3], 'NX', 'EX', ARGV[4])
          redis.call('SET', KEYS[1], 0, 'NX', 'EX', ARGV[4])
          epoch = ARGV[3]
        end
        local latest = tonumber(redis.call('GET', KEYS[1]) or '0')
        local len = redis.call('LLEN', KEYS[2])
        local first = latest - len + 1
        local from = tonumber(ARGV[1]) + 1
        if from < first then from = first end
        local stop = from + tonumber(ARGV[2]) - 1
        if stop > latest then stop = latest end
        local result = { latest, first, epoch }
        if from <= stop then
          local frames = redis.call('LRANGE', KEYS[2], from - first, stop - first)
          for i = 1, #frames do result[i + 3] = frames[i] end
        end
        return result
        """;

    /// <summary>
    /// A guild's current seq and epoch (created if missing, as the publish script would, expiring after the guild's ttl).
    /// KEYS: seq, epoch. ARGV: a fresh epoch, the guild's ttl in seconds. Returns { seq, epoch }.
    /// </summary>
    public const string GuildState = """
        local epoch = redis.call('GET', KEYS[2])
        if not epoch then
          redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2])
          redis.call('SET', KEYS[1], 0, 'NX', 'EX', ARGV[2])
          epoch = ARGV[1]
        end
        return { tonumber(redis.call('GET', KEYS[1]) or '0'), epoch }
        """;

    /// <summary>
    /// Renews the expiry of every key of a guild (the keys that exist): a replica does this once per renewal interval for each guild
    /// it has members in, so a guild in use never expires, even when nobody sends.
    /// KEYS: seq, history, epoch, top. ARGV: the guild's ttl in seconds.
    /// </summary>
    public const string RenewGuild = """
        for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[1]) end
        return 1
        """;

    /// <summary>
    /// Writes fields of a session hash and (re)starts its resume window.
    /// KEYS: session. ARGV: ttl in seconds, then field, value pairs.
    /// </summary>
    public const string SaveSession = """
        for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
        redis.call('EXPIRE', KEYS[1], ARGV[1])
        return 1
        """;

    /// <summary>
    /// Marks a session as shed, if it still exists (a mark must not create a session without its resume window).
    /// KEYS: session. ARGV: the shed field.
    /// </summary>
    public const string MarkSessionShed = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          redis.call('HSET', KEYS[1], ARGV[1], '1')
          return 1
        end
        return 0
        """;
}
