using System.Buffers;
using System.Buffers.Binary;
using System.Text.Unicode;
using Flux.Protocol.WebSockets;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Connections;

internal sealed partial class ConnectionTransport
{
    // The message being assembled from its frames: a pooled buffer held only between its first and last frame.
    private byte[]? _message;
    private int _messageLength;
    private int _fragments;
    private (int Code, string Reason) _violation;
    private int? _clientCloseCode;
    private volatile bool _closeReceived;

    /// <summary>The close code the client sent, once it has.</summary>
    public int? ClientCloseStatus => _clientCloseCode;

    /// <summary>
    /// Reads the next whole message (the caller disposes it). Returns <see cref="ReceivedMessage.ClientClosed"/>
    /// when the client sent a close frame instead. Pings are answered by the writer; a pong may answer the path probe.
    /// </summary>
    /// <exception cref="ProtocolViolationException">Bad framing (1002), a binary or empty message (4002), invalid UTF-8 (1007), too large (1009).</exception>
    /// <exception cref="IOException">The connection ended without a close frame.</exception>
    public async ValueTask<ReceivedMessage> ReceiveAsync()
    {
        while (true)
        {
            // Kestrel waits for data before it rents a buffer, so an idle connection holds no receive memory.
            var read = await _input.ReadAsync().ConfigureAwait(false);
            var buffer = read.Buffer;
            var step = ReadFrames(buffer, out var consumed, out var message);
            if (step == FrameStep.NeedMore)
            {
                _input.AdvanceTo(consumed, buffer.End);
                if (read.IsCompleted || read.IsCanceled) throw new IOException("the connection ended without a close frame");
                continue;
            }
            _input.AdvanceTo(consumed);
            return step switch
            {
                FrameStep.Message => message,
                FrameStep.ClientClose => ReceivedMessage.ClientClosed,
                _ => throw new ProtocolViolationException(_violation.Code, _violation.Reason),
            };
        }
    }

    // Parses whole frames from the start of buffer until a message is complete, a close arrives, the protocol is
    // broken, or more bytes are needed. 'consumed' is the end of the last frame handled.
    private FrameStep ReadFrames(in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out ReceivedMessage message)
    {
        message = default;
        var remaining = buffer;
        consumed = buffer.Start;
        int limit = _options.MaxClientFrameBytes;
        while (true)
        {
            if (!WebSocketFrameHeader.TryRead(remaining, out var header)) return FrameStep.NeedMore;
            if (Check(header) is { } violation) return Violate(violation);
            if (!header.IsControl && _messageLength + header.PayloadLength > limit)
            {
                return Violate((CloseCodes.FrameTooLarge, $"frame larger than {limit} bytes"));
            }
            long frameLength = header.Length + header.PayloadLength;
            if (remaining.Length < frameLength) return FrameStep.NeedMore;
            var payload = remaining.Slice(header.Length, header.PayloadLength);
            remaining = remaining.Slice(frameLength);
            consumed = remaining.Start;
            switch (header.Opcode)
            {
                case WebSocketOpcode.Ping:
                    QueuePong(payload, header.MaskKey);
                    continue;
                case WebSocketOpcode.Pong:
                    ProbeAnswered(payload, header.MaskKey);
                    continue;
                case WebSocketOpcode.Close:
                    return ReadClose(payload, header.MaskKey);
            }
            if (++_fragments > _options.MaxFragmentsPerMessage)
            {
                return Violate((CloseCodes.FrameTooLarge, $"message in more than {_options.MaxFragmentsPerMessage} fragments"));
            }
            _message ??= ArrayPool<byte>.Shared.Rent(limit);
            Unmask(payload, header.MaskKey, _message.AsSpan(_messageLength));
            _messageLength += (int)header.PayloadLength;
            if (!header.Fin) continue;

            var text = _message.AsSpan(0, _messageLength);
            if (text.IsEmpty) return Violate((CloseCodes.Undecodable, "empty message; a frame must be a JSON object"));
            if (!Utf8.IsValid(text)) return Violate((CloseCodes.InvalidPayload, "the message is not valid UTF-8"));
            message = new ReceivedMessage(_message, _messageLength);
            _message = null;
            _messageLength = 0;
            _fragments = 0;
            _metrics.FrameReceived();
            return FrameStep.Message;
        }
    }

    // RFC 6455, section 5: what a client frame may not be.
    private (int, string)? Check(in WebSocketFrameHeader header)
    {
        if (header.Reserved != 0) return (CloseCodes.ProtocolError, "reserved bits set; no extension was negotiated");
        if (!header.Masked) return (CloseCodes.ProtocolError, "client frames must be masked");
        if (!header.IsKnownOpcode) return (CloseCodes.ProtocolError, $"reserved opcode {(int)header.Opcode}");
        if (header.IsControl)
        {
            return !header.Fin || header.PayloadLength > WebSocketFrameHeader.MaxControlPayload
                ? (CloseCodes.ProtocolError, "control frames must be final and at most 125 bytes")
                : null;
        }
        return header.Opcode switch
        {
            WebSocketOpcode.Binary => (CloseCodes.Undecodable, "binary frames are not part of the protocol; send UTF-8 JSON text"),
            WebSocketOpcode.Text when _fragments > 0 => (CloseCodes.ProtocolError, "a new message began before the last one ended"),
            WebSocketOpcode.Continuation when _fragments == 0 => (CloseCodes.ProtocolError, "a continuation frame without a message"),
            _ => null,
        };
    }

    private FrameStep ReadClose(in ReadOnlySequence<byte> payload, uint maskKey)
    {
        Span<byte> body = stackalloc byte[WebSocketFrameHeader.MaxControlPayload];
        body = body[..(int)payload.Length];
        Unmask(payload, maskKey, body);
        if (body.Length == 1) return Violate((CloseCodes.ProtocolError, "a close frame's body must be empty or hold a code"));
        if (body.Length >= 2)
        {
            int code = BinaryPrimitives.ReadUInt16BigEndian(body);
            if (!IsValidCloseCode(code)) return Violate((CloseCodes.ProtocolError, $"close code {code} may not be sent"));
            if (!Utf8.IsValid(body[2..])) return Violate((CloseCodes.InvalidPayload, "the close reason is not valid UTF-8"));
            _clientCloseCode = code;
        }
        _closeReceived = true;
        return FrameStep.ClientClose;
    }

    // RFC 6455, section 7.4: codes an endpoint may send.
    private static bool IsValidCloseCode(int code) =>
        code is >= 1000 and <= 1003 or >= 1007 and <= 1014 or >= 3000 and <= 4999;

    private FrameStep Violate((int Code, string Reason) violation)
    {
        _violation = violation;
        return FrameStep.Violation;
    }

    private static void Unmask(in ReadOnlySequence<byte> payload, uint maskKey, Span<byte> destination)
    {
        long offset = 0;
        foreach (var segment in payload)
        {
            WebSocketFrameHeader.Mask(segment.Span, destination.Slice((int)offset, segment.Length), maskKey, offset);
            offset += segment.Length;
        }
    }

    /// <summary>
    /// After the gateway's close frame: reads and discards whatever the client still sends until its close frame
    /// arrives, the grace passes, or the framing makes no sense any more. Payloads are skipped as they arrive, so a
    /// large frame is never buffered whole.
    /// </summary>
    private async Task DiscardUntilClientClosesAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromMilliseconds(_options.CloseGraceMs), _time);
        long skip = 0;
        try
        {
            while (true)
            {
                var read = await _input.ReadAsync(grace.Token).ConfigureAwait(false);
                var buffer = read.Buffer;
                while (true)
                {
                    if (skip > 0)
                    {
                        long skipped = Math.Min(skip, buffer.Length);
                        buffer = buffer.Slice(skipped);
                        skip -= skipped;
                        if (skip > 0) break;
                    }
                    if (!WebSocketFrameHeader.TryRead(buffer, out var header)) break;
                    if (header.Opcode == WebSocketOpcode.Close || !header.Masked || !header.IsKnownOpcode)
                    {
                        _input.AdvanceTo(buffer.End);
                        return; // the client's close (or framing we cannot follow): the connection closes now
                    }
                    buffer = buffer.Slice(header.Length);
                    skip = header.PayloadLength;
                }
                _input.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted || read.IsCanceled) return;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The grace passed, or the connection went away: it closes now either way.
        }
    }

    private void ReleaseMessageBuffer()
    {
        if (_message is { } buffer)
        {
            _message = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private enum FrameStep { NeedMore, Message, ClientClose, Violation }
}
