using System.Buffers.Text;

namespace Flux.Swarm.Runs;

/// <summary>
/// What makes every message the swarm sends to Flux checkable by any user who receives it, on any shard, without asking
/// the sender. The nonce names the message: <c>id.sender.ordinal.connection</c>, where the ordinal is its place among the
/// sending shard's messages to its guild and the connection counts the sender's connections. The body starts with a
/// seal: 16 hex digits of a keyed hash of the id, the intended send time and the sender, keyed by the run (every shard
/// derives the same key from the run's id and seed), then <c>x</c> up to the plan's body size. A gateway that drops or
/// rewrites <c>ts</c>, <c>from</c> or <c>body</c> breaks the seal, whether the receiver holds the sender's ledger or not.
/// The gateway treats all of it as opaque strings and numbers (docs/protocol.md).
/// </summary>
internal sealed class MessageSeal
{
    /// <summary>Hex digits of the seal at the start of a body (fewer when the plan's body is shorter).</summary>
    public const int SealChars = 16;

    private readonly ulong _key;
    private readonly int _bodyBytes;
    private readonly byte[] _userPrefix;

    public MessageSeal(string runId, int seed, int bodyBytes)
    {
        _bodyBytes = bodyBytes;
        _userPrefix = System.Text.Encoding.UTF8.GetBytes(runId + "-u");
        ulong key = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL;
        foreach (char c in runId) key = Mix(key ^ c);
        _key = key;
    }

    /// <summary>The nonce of message <paramref name="id"/>: <c>id.sender.ordinal.connection</c>.</summary>
    public static string Nonce(long id, int sender, long ordinal, int connection) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{id}.{sender}.{ordinal}.{connection}");

    /// <summary>Reads a nonce the swarm wrote; false for any other (a visitor's, or one a gateway mangled).</summary>
    public static bool TryParseNonce(ReadOnlySpan<byte> nonce, out SealedNonce parsed)
    {
        parsed = default;
        if (!Utf8Parser.TryParse(nonce, out long id, out int used) || id < 0 || !Dot(nonce, ref used)) return false;
        nonce = nonce[used..];
        if (!Utf8Parser.TryParse(nonce, out int sender, out used) || sender < 0 || !Dot(nonce, ref used)) return false;
        nonce = nonce[used..];
        if (!Utf8Parser.TryParse(nonce, out long ordinal, out used) || ordinal < 1 || !Dot(nonce, ref used)) return false;
        nonce = nonce[used..];
        if (!Utf8Parser.TryParse(nonce, out int connection, out used) || used != nonce.Length) return false;
        parsed = new SealedNonce(id, sender, ordinal, connection);
        return true;
    }

    /// <summary>The body of message <paramref name="id"/>, sent by <paramref name="sender"/> and meant to go at <paramref name="intendedUs"/>.</summary>
    public string Body(long id, long intendedUs, int sender)
    {
        Span<byte> body = stackalloc byte[_bodyBytes];
        Write(body, id, intendedUs, sender);
        return System.Text.Encoding.ASCII.GetString(body);
    }

    /// <summary>
    /// Whether a delivery of <paramref name="nonce"/> is exactly what was sent: <paramref name="ts"/> (the echoed field,
    /// raw) is <paramref name="intendedUs"/>, <paramref name="from"/> is the sender, and <paramref name="body"/> carries
    /// the seal of the id, that time and the sender.
    /// </summary>
    public bool Matches(in SealedNonce nonce, long intendedUs, ReadOnlySpan<byte> ts, ReadOnlySpan<byte> from, ReadOnlySpan<byte> body)
    {
        if (!Utf8Parser.TryParse(ts, out long echoed, out int used) || used != ts.Length || echoed != intendedUs) return false;
        if (body.Length != _bodyBytes || !IsSender(from, nonce.Sender)) return false;
        Span<byte> expected = stackalloc byte[_bodyBytes];
        Write(expected, nonce.Id, intendedUs, nonce.Sender);
        return body.SequenceEqual(expected);
    }

    /// <summary>The send time a delivery carries, when it has one that parses.</summary>
    public static long? EchoedTime(ReadOnlySpan<byte> ts) => Utf8Parser.TryParse(ts, out long value, out int used) && used == ts.Length ? value : null;

    private bool IsSender(ReadOnlySpan<byte> from, int sender) =>
        from.StartsWith(_userPrefix) && Utf8Parser.TryParse(from[_userPrefix.Length..], out int index, out int used)
        && used == from.Length - _userPrefix.Length && index == sender;

    private void Write(Span<byte> body, long id, long intendedUs, int sender)
    {
        ulong seal = Mix(_key ^ Mix((ulong)id ^ Mix((ulong)intendedUs ^ Mix((ulong)(uint)sender))));
        int sealChars = Math.Min(SealChars, body.Length);
        for (int i = 0; i < sealChars; i++) body[i] = (byte)"0123456789abcdef"[(int)((seal >> (60 - 4 * i)) & 0xF)];
        body[sealChars..].Fill((byte)'x');
    }

    // SplitMix64's finalizer: every input bit moves every output bit.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static bool Dot(ReadOnlySpan<byte> text, ref int at)
    {
        if (at >= text.Length || text[at] != (byte)'.') return false;
        at++;
        return true;
    }
}

/// <summary>A nonce the swarm wrote (see <see cref="MessageSeal"/>).</summary>
/// <param name="Ordinal">The message's place among the sending shard's messages to its guild (from 1).</param>
/// <param name="Connection">Which of the sender's connections sent it (from 1).</param>
internal readonly record struct SealedNonce(long Id, int Sender, long Ordinal, int Connection);
