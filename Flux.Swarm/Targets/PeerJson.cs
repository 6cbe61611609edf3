using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Flux.Swarm.Targets;

/// <summary>The JSON both peers share: the chat message object and the send's fields.</summary>
internal static class PeerJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>
    /// Reads a chat message object <c>{"guild","nonce","body","ts","user"}</c> at the reader's StartObject, leaving the
    /// reader on its EndObject. Unknown fields are skipped.
    /// </summary>
    /// <exception cref="PeerProtocolException">Not an object, or no guild.</exception>
    public static void ReadMessage(ref Utf8JsonReader reader, IPeerSession session)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new PeerProtocolException("a message's payload is not an object");
        ReadOnlySpan<byte> guild = default;
        bool hasGuild = false;
        long nonce = -1, ts = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("guild"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) throw new PeerProtocolException("a message's guild is not a string");
                hasGuild = true;
                guild = reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;
            }
            else if (reader.ValueTextEquals("nonce"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped &&
                    Utf8Parser.TryParse(reader.ValueSpan, out long parsed, out int used) && used == reader.ValueSpan.Length)
                {
                    nonce = parsed;
                }
                reader.Skip(); // an object or array where a string belongs
            }
            else if (reader.ValueTextEquals("ts"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number)
                {
                    ts = reader.TryGetInt64(out long whole) ? whole : (long)reader.GetDouble();
                }
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (!hasGuild) throw new PeerProtocolException("a message has no guild");
        session.Message(new PeerMessage(guild, nonce, ts));
    }

    /// <summary>Writes the send's object <c>{"guild","nonce","body","ts"}</c>.</summary>
    public static void WriteSend(Utf8JsonWriter writer, string guild, string nonce, string body, long ts)
    {
        writer.WriteStartObject();
        writer.WriteString("guild"u8, guild);
        writer.WriteString("nonce"u8, nonce);
        writer.WriteString("body"u8, body);
        writer.WriteNumber("ts"u8, ts);
        writer.WriteEndObject();
    }

    /// <summary>Runs <paramref name="write"/> on a writer and returns the bytes, with <paramref name="prefix"/> and <paramref name="suffix"/> around them.</summary>
    public static byte[] Build<TState>(ReadOnlySpan<byte> prefix, TState state, Action<Utf8JsonWriter, TState> write, ReadOnlySpan<byte> suffix)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.Write(prefix);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer, state);
        }
        buffer.Write(suffix);
        return buffer.WrittenSpan.ToArray();
    }
}
