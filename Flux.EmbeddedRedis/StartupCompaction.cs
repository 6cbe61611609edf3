using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Garnet;

/// <summary>
/// Keeps the append-only file from growing without bound. Without a checkpoint Garnet never truncates it: every start
/// replays every write since the data directory was made (436 MB and 3.7 s of each start after one evening's storms,
/// docs/benchmarks.md). So, before the server takes any client, a start whose file holds more than
/// <see cref="EmbeddedRedisOptions.CompactAboveBytes"/> of writes since the last checkpoint first runs Garnet on a
/// private loopback port, takes a checkpoint there (<c>SAVE</c>), and stops it. Garnet then moves the file's begin
/// past the checkpoint, so the real server recovers from the checkpoint and replays only what came after it, and deletes
/// each of the file's segments (1 GB, Garnet's default) once it lies wholly before the begin.
/// <para>
/// Whether a start needs that is judged first from the files alone, so an ordinary start pays nothing: the file's
/// growth on disk since the last check (<see cref="CheckedFile"/>, which records its size then) must pass the limit.
/// Only then does the private server's <c>INFO persistence</c> say how much really lies after the last checkpoint.
/// </para>
/// <para>
/// Why not while serving: Garnet's own <c>--aof-size-limit</c> checkpoints a running server, and a checkpoint taken
/// while clients push to lists (the gateway's history) deadlocked Garnet 2.2.8 and 2.2.12 on this machine, every
/// core spinning and no command answered again (<c>redis-benchmark -t rpush</c> with <c>SAVE</c> once a second hung
/// on the seventh). With no client connected there is nothing for the checkpoint to race.
/// </para>
/// </summary>
internal static class StartupCompaction
{
    private static readonly TimeSpan SaveTimeout = TimeSpan.FromMinutes(2);

    /// <summary>In the data directory: the append-only file's size on disk, in bytes, after the last check.</summary>
    public const string CheckedFile = "flux-aof-checked";

    /// <summary>What one start did, for its log line.</summary>
    public readonly record struct Result(long WritesSinceCheckpoint, bool Compacted, TimeSpan Took);

    /// <summary>
    /// Compacts when worth it; returns null when the files on disk are too small to hold that much (no server started).
    /// Throws <see cref="TimeoutException"/> or <see cref="IOException"/> when Garnet does not answer as documented.
    /// </summary>
    public static Result? Run(EmbeddedRedisOptions options)
    {
        // The file only grows between checks (a segment deleted makes it shrink), so a small growth needs no server.
        long onDisk = AppendOnlyFileBytes(options.DataDirectory);
        if (options.CompactAboveBytes < 0 || onDisk - LastChecked(options.DataDirectory) <= options.CompactAboveBytes) return null;

        var took = Stopwatch.StartNew();
        var maintenance = options with { Port = FreeLoopbackPort(), Bind = "127.0.0.1", ExtraArgs = [.. options.ExtraArgs, "-q"] };
        using var server = new GarnetServer(maintenance.ToGarnetArgs());
        server.Start();
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, maintenance.Port);
        client.ReceiveTimeout = (int)SaveTimeout.TotalMilliseconds;
        var stream = client.GetStream();

        long pending = WritesSinceCheckpoint(Command(stream, "INFO", "persistence"));
        bool compact = pending > options.CompactAboveBytes;
        if (compact)
        {
            string reply = Command(stream, "SAVE");
            if (reply != "OK") throw new IOException($"Garnet answered SAVE with '{reply}'");
        }
        client.Close();
        // Stops it the way a stop does: connections closed, then the moved begin committed.
        GracefulStop.CommitEverything(server);
        File.WriteAllText(Path.Combine(options.DataDirectory, CheckedFile), AppendOnlyFileBytes(options.DataDirectory).ToString(CultureInfo.InvariantCulture));
        return new Result(pending, compact, took.Elapsed);
    }

    private static long LastChecked(string dataDirectory)
    {
        try
        {
            return long.TryParse(File.ReadAllText(Path.Combine(dataDirectory, CheckedFile)), NumberStyles.None, CultureInfo.InvariantCulture, out long bytes) ? bytes : 0;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>The bytes between the file's begin and its tail, from <c>INFO persistence</c>.</summary>
    internal static long WritesSinceCheckpoint(string info)
    {
        long? begin = null, tail = null;
        foreach (var line in info.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = line.IndexOf(':');
            if (colon < 0 || !long.TryParse(line.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long value)) continue;
            switch (line[..colon])
            {
                case "BeginAddress": begin = value; break;
                case "TailAddress": tail = value; break;
            }
        }
        if (begin is null || tail is null) throw new IOException($"INFO persistence has no BeginAddress and TailAddress: {info}");
        return Math.Max(0, tail.Value - begin.Value);
    }

    private static long AppendOnlyFileBytes(string dataDirectory)
    {
        var aof = new DirectoryInfo(Path.Combine(dataDirectory, "AOF"));
        return aof.Exists ? aof.EnumerateFiles("aof.log.*").Sum(f => f.Length) : 0;
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    // One RESP command, one reply: a simple string or a bulk string, as INFO and SAVE answer; an error throws.
    private static string Command(NetworkStream stream, params string[] parts)
    {
        var request = new StringBuilder().Append('*').Append(parts.Length).Append("\r\n");
        foreach (var part in parts) request.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        stream.Write(Encoding.UTF8.GetBytes(request.ToString()));

        string header = ReadLine(stream);
        switch (header[0])
        {
            case '+':
                return header[1..];
            case '$':
                int length = int.Parse(header.AsSpan(1), CultureInfo.InvariantCulture);
                var body = new byte[length + 2];
                stream.ReadExactly(body);
                return Encoding.UTF8.GetString(body, 0, length);
            default:
                throw new IOException($"Garnet answered {parts[0]} with '{header}'");
        }
    }

    private static string ReadLine(NetworkStream stream)
    {
        var line = new StringBuilder();
        while (true)
        {
            int b = stream.ReadByte();
            if (b < 0) throw new IOException("Garnet closed the connection");
            if (b == '\n') return line.ToString().TrimEnd('\r');
            line.Append((char)b);
        }
    }
}
