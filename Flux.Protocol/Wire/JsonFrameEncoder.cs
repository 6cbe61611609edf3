using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Flux.Protocol.Wire;

/// <summary>
/// Encodes a frame with a per-thread reusable writer, so the only allocation is the frame's own byte array.
/// Callers must not await inside <c>write</c>.
/// </summary>
internal static class JsonFrameEncoder
{
    /// <summary>Quotes, backslashes and control characters are escaped; other text stays as UTF-8.</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public static byte[] Encode<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        write(writer, state);
        writer.Flush();
        byte[] frame = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > 64 * 1024)
        {
            t_buffer = null; // do not pin a rare huge frame's buffer to the thread forever
            t_writer = null;
        }
        return frame;
    }
}
