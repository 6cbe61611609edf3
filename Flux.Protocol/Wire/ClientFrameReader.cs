using System.Diagnostics;
using System.Text.Json;

namespace Flux.Protocol.Wire;

/// <summary>
/// Decodes one client text frame. Fatal input throws <see cref="ProtocolViolationException"/>;
/// a send with a bad field decodes to <see cref="RejectedSendFrame"/> so the connection survives it.
/// Unknown fields are ignored, so clients may add their own.
/// </summary>
public static class ClientFrameReader
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 4 };

    public static ClientFrame Read(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return ReadObject(utf8);
        }
        catch (JsonException ex)
        {
            throw new ProtocolViolationException(CloseCodes.Undecodable, $"not a JSON object: {ex.Message}");
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader throws this for strings that are not valid UTF-8.
            throw new ProtocolViolationException(CloseCodes.Undecodable, $"undecodable string: {ex.Message}");
        }
    }

    private static ClientFrame ReadObject(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Undecodable("a frame must be a JSON object");
        }

        var fields = new Fields();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("op"u8)) fields.Op = ReadOp(ref reader);
            else if (reader.ValueTextEquals("token"u8)) fields.Token = ReadString(ref reader);
            else if (reader.ValueTextEquals("session"u8)) fields.Session = ReadString(ref reader);
            else if (reader.ValueTextEquals("seqs"u8)) fields.Seqs = ReadSeqs(ref reader, ref fields.SeqsInvalid);
            else if (reader.ValueTextEquals("guild"u8)) fields.Guild = ReadString(ref reader);
            else if (reader.ValueTextEquals("nonce"u8)) fields.Nonce = ReadString(ref reader);
            else if (reader.ValueTextEquals("body"u8)) fields.Body = ReadString(ref reader);
            else if (reader.ValueTextEquals("ts"u8)) fields.Ts = ReadNumber(ref reader);
            else if (reader.ValueTextEquals("trace"u8)) fields.Trace = ReadString(ref reader);
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw Undecodable("a frame must be a JSON object");
        }
        if (reader.Read())
        {
            throw Undecodable("trailing data after the JSON object");
        }

        return fields.Op switch
        {
            Op.Missing => throw Undecodable("missing field 'op'"),
            Op.Identify => new IdentifyFrame(Required(fields.Token, "token")),
            Op.Resume => new ResumeFrame(
                Required(fields.Token, "token"),
                Required(fields.Session, "session"),
                fields.SeqsInvalid ? throw Undecodable("field 'seqs' must be an object of non-negative integers")
                    : fields.Seqs ?? throw Undecodable("missing field 'seqs'")),
            Op.Heartbeat => HeartbeatFrame.Instance,
            Op.Send => ToSend(fields),
            _ => throw new ProtocolViolationException(CloseCodes.UnknownOp, "unknown op"),
        };
    }

    private static ClientFrame ToSend(Fields fields)
    {
        if (!fields.Guild.Present) throw Undecodable("missing field 'guild'");
        if (!fields.Nonce.Present) throw Undecodable("missing field 'nonce'");
        if (!fields.Body.Present) throw Undecodable("missing field 'body'");

        string? nonce = fields.Nonce.Value;
        if (nonce is null) return Reject(null, ErrorCodes.InvalidField, "'nonce' must be a string");
        if (nonce.Length is 0 or > ProtocolLimits.MaxNonceChars)
        {
            return Reject(null, ErrorCodes.InvalidField, $"'nonce' must have 1 to {ProtocolLimits.MaxNonceChars} characters");
        }
        if (fields.Guild.Value is not { Length: > 0 and <= ProtocolLimits.MaxGuildIdChars } guild)
        {
            return Reject(nonce, ErrorCodes.InvalidField, $"'guild' must be a string of 1 to {ProtocolLimits.MaxGuildIdChars} characters");
        }
        if (fields.Body.Value is not { } body) return Reject(nonce, ErrorCodes.InvalidField, "'body' must be a string");
        if (body.Length > ProtocolLimits.MaxBodyChars)
        {
            return Reject(nonce, ErrorCodes.BodyTooLong, $"'body' has {body.Length} characters; the limit is {ProtocolLimits.MaxBodyChars}");
        }
        if (fields.Ts.Present && fields.Ts.Invalid) return Reject(nonce, ErrorCodes.InvalidField, "'ts' must be a number");

        string? trace = null;
        if (fields.Trace.Present && fields.Trace.Value is not null)
        {
            trace = fields.Trace.Value;
            if (!ActivityContext.TryParse(trace, traceState: null, isRemote: true, out _))
            {
                return Reject(nonce, ErrorCodes.InvalidField, "'trace' must be a W3C traceparent");
            }
        }
        else if (fields.Trace.Invalid)
        {
            return Reject(nonce, ErrorCodes.InvalidField, "'trace' must be a string");
        }

        return new SendFrame(guild, nonce, body, fields.Ts.Value, trace);
    }

    private static RejectedSendFrame Reject(string? nonce, string code, string reason) => new(nonce, code, reason);

    private static string Required(Field<string> field, string name) =>
        field.Value ?? throw Undecodable(field.Present ? $"field '{name}' must be a string" : $"missing field '{name}'");

    private static Op ReadOp(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.String) throw Undecodable("field 'op' must be a string");
        if (reader.ValueTextEquals("send"u8)) return Op.Send;
        if (reader.ValueTextEquals("heartbeat"u8)) return Op.Heartbeat;
        if (reader.ValueTextEquals("identify"u8)) return Op.Identify;
        if (reader.ValueTextEquals("resume"u8)) return Op.Resume;
        _ = reader.GetString(); // an op that is not even valid UTF-8 is undecodable (4002), not unknown (4001)
        return Op.Unknown;
    }

    private static Field<string> ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return new Field<string>(true, reader.GetString(), false);
            case JsonTokenType.Null:
                return new Field<string>(true, null, false);
            default:
                reader.Skip();
                return new Field<string>(true, null, true);
        }
    }

    private static Field<byte[]> ReadNumber(ref Utf8JsonReader reader)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return new Field<byte[]>(true, reader.ValueSpan.ToArray(), false);
            case JsonTokenType.Null:
                return new Field<byte[]>(false, null, false);
            default:
                reader.Skip();
                return new Field<byte[]>(true, null, true);
        }
    }

    // Only a resume reads 'seqs'; in any other frame a malformed one is just an unknown field, so it is noted, not thrown.
    private static Dictionary<string, long>? ReadSeqs(ref Utf8JsonReader reader, ref bool invalid)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            invalid = true;
            return null;
        }
        var seqs = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string guild = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long seq) || seq < 0)
            {
                reader.Skip();
                invalid = true;
                continue;
            }
            seqs[guild] = seq;
        }
        return seqs;
    }

    private static ProtocolViolationException Undecodable(string reason) => new(CloseCodes.Undecodable, reason);

    private enum Op { Missing, Unknown, Identify, Resume, Send, Heartbeat }

    /// <summary>A field as found: absent, present with a value, or present with the wrong JSON type.</summary>
    private readonly record struct Field<T>(bool Present, T? Value, bool Invalid) where T : class
    {
        public static implicit operator T?(Field<T> field) => field.Value;
    }

    private ref struct Fields
    {
        public Op Op;
        public Field<string> Token, Session, Guild, Nonce, Body, Trace;
        public Field<byte[]> Ts;
        public Dictionary<string, long>? Seqs;
        public bool SeqsInvalid;
    }
}
