using System.Buffers;
using System.Buffers.Binary;

namespace Flux.Protocol.WebSockets;

/// <summary>The frame opcodes of RFC 6455, section 5.2.</summary>
public enum WebSocketOpcode : byte
{
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}

/// <summary>
/// A WebSocket frame header (RFC 6455, section 5.2): read from received bytes, or written before a payload. Shared by
/// the gateway (server side: it reads masked frames and writes unmasked ones) and the swarm's lean client (the other
/// way round), so both speak exactly the same framing.
/// </summary>
/// <param name="Reserved">The RSV1-3 bits; Flux negotiates no extension, so anything but 0 is a protocol error.</param>
/// <param name="MaskKey">The 4-byte masking key as read (big-endian order in the uint), when <see cref="Masked"/>.</param>
/// <param name="Length">The header's own length in bytes: 2 to 14.</param>
public readonly record struct WebSocketFrameHeader(bool Fin, int Reserved, WebSocketOpcode Opcode, bool Masked, long PayloadLength, uint MaskKey, int Length)
{
    /// <summary>The longest header: 2 bytes, an 8-byte length and a 4-byte masking key.</summary>
    public const int MaxLength = 14;

    /// <summary>Control frames carry at most this many payload bytes, and are never fragmented.</summary>
    public const int MaxControlPayload = 125;

    public bool IsControl => ((byte)Opcode & 0x8) != 0;

    /// <summary>Whether the opcode is one RFC 6455 defines (the others are reserved).</summary>
    public bool IsKnownOpcode => Opcode is WebSocketOpcode.Continuation or WebSocketOpcode.Text or WebSocketOpcode.Binary
        or WebSocketOpcode.Close or WebSocketOpcode.Ping or WebSocketOpcode.Pong;

    /// <summary>Reads a header from the start of <paramref name="data"/>; false when not all of it has arrived yet.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out WebSocketFrameHeader header)
    {
        header = default;
        if (data.Length < 2) return false;
        bool fin = (data[0] & 0x80) != 0;
        int reserved = (data[0] >> 4) & 0x7;
        var opcode = (WebSocketOpcode)(data[0] & 0x0F);
        bool masked = (data[1] & 0x80) != 0;
        int length7 = data[1] & 0x7F;
        int length = 2;
        long payloadLength = length7;
        if (length7 == 126)
        {
            if (data.Length < 4) return false;
            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            length = 4;
        }
        else if (length7 == 127)
        {
            if (data.Length < 10) return false;
            ulong value = BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
            // The most significant bit must be 0; a length that large is refused by the caller's limits either way.
            payloadLength = value > long.MaxValue ? long.MaxValue : (long)value;
            length = 10;
        }
        uint mask = 0;
        if (masked)
        {
            if (data.Length < length + 4) return false;
            mask = BinaryPrimitives.ReadUInt32BigEndian(data[length..]);
            length += 4;
        }
        header = new WebSocketFrameHeader(fin, reserved, opcode, masked, payloadLength, mask, length);
        return true;
    }

    /// <summary>Reads a header from the start of a (possibly multi-segment) sequence.</summary>
    public static bool TryRead(in ReadOnlySequence<byte> data, out WebSocketFrameHeader header)
    {
        if (data.FirstSpan.Length >= MaxLength || data.IsSingleSegment) return TryRead(data.FirstSpan, out header);
        Span<byte> copy = stackalloc byte[MaxLength];
        int count = (int)Math.Min(MaxLength, data.Length);
        data.Slice(0, count).CopyTo(copy);
        return TryRead(copy[..count], out header);
    }

    /// <summary>The header length of a frame with this payload length.</summary>
    public static int SizeOf(long payloadLength, bool masked) =>
        (payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10) + (masked ? 4 : 0);

    /// <summary>
    /// Writes a final frame's header (FIN set, no reserved bits) into <paramref name="destination"/>, which must hold
    /// <see cref="SizeOf"/> bytes. With a <paramref name="mask"/> (clients), the masking key follows the length.
    /// Returns the header's length.
    /// </summary>
    public static int Write(Span<byte> destination, WebSocketOpcode opcode, long payloadLength, ReadOnlySpan<byte> mask = default)
    {
        destination[0] = (byte)(0x80 | (byte)opcode);
        byte maskBit = mask.IsEmpty ? (byte)0 : (byte)0x80;
        int length;
        if (payloadLength < 126)
        {
            destination[1] = (byte)(maskBit | payloadLength);
            length = 2;
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            length = 4;
        }
        else
        {
            destination[1] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
            length = 10;
        }
        if (!mask.IsEmpty)
        {
            mask[..4].CopyTo(destination[length..]);
            length += 4;
        }
        return length;
    }

    /// <summary>
    /// XORs <paramref name="source"/> with the masking key into <paramref name="destination"/> (they may be the same
    /// span); <paramref name="offset"/> is the position of <paramref name="source"/>'s first byte within the payload.
    /// Masking and unmasking are the same operation (RFC 6455, section 5.3).
    /// </summary>
    public static void Mask(ReadOnlySpan<byte> source, Span<byte> destination, uint maskKey, long offset)
    {
        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(key, maskKey);
        int shift = (int)(offset & 3);
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = (byte)(source[i] ^ key[(shift + i) & 3]);
        }
    }
}
