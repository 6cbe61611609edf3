using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

/// <summary>
/// Keeps the append-only file from growing without bound. Without a checkpoint Garnet never truncates it, and every
/// start replays every write since the data directory was made (436 MB and 3.7 s of each start after one evening's
/// storms, docs/benchmarks.md). After a checkpoint Garnet moves the file's begin past it, deletes each segment of the
/// file (1 GB, Garnet's default) that lies wholly before the begin, and a start recovers from the checkpoint and
/// replays only what came after it.
/// <para>
/// A checkpoint is taken only while no client is connected, when more than
/// <see cref="EmbeddedRedisOptions.CheckpointAboveBytes"/> lies after the last one:
/// <list type="bullet">
/// <item>at a stop (SIGTERM, Ctrl+C), once the connections are closed and the file committed (<see cref="AtStop"/>);</item>
/// <item>at a start, when the file grew that much since the last check, which happens after a crash or a kill: Garnet
/// first runs on a private loopback port, checkpoints there, and stops (<see cref="AtStart"/>). An ordinary start
/// decides from the file's size on disk alone (<see cref="CheckedFile"/>) and pays nothing.</item>
/// </list>
/// </para>
/// <para>
/// Why never while serving: Garnet's own <c>--aof-size-limit</c> checkpoints a running server, and a checkpoint taken
/// while clients push to lists (the gateway's history) deadlocked Garnet 2.2.8 and 2.2.12 on this machine, every core
/// spinning and no command answered again (<c>redis-benchmark -t rpush</c> with <c>SAVE</c> once a second hung on the
/// seventh).
/// </para>
/// </summary>
internal static class Checkpoints
{
    private static readonly TimeSpan CheckpointTimeout = TimeSpan.FromMinutes(2);

    /// <summary>In the data directory: the append-only file's size on disk, in bytes, after the last check.</summary>
    public const string CheckedFile = "flux-aof-checked";

    /// <summary>What one check did, for its log line.</summary>
    public readonly record struct Result(long BytesSinceCheckpoint, bool Checkpointed, TimeSpan Took);

    /// <summary>
    /// Before the server takes clients. Returns null when the file did not grow enough on disk to need a look (no
    /// server started). Throws <see cref="TimeoutException"/> when the checkpoint does not finish: that server still
    /// holds the files, so the caller must not start another on them.
    /// </summary>
    public static Result? AtStart(EmbeddedRedisOptions options)
    {
        if (options.CheckpointAboveBytes < 0) return null;
        if (GrowthOnDisk(options.DataDirectory) <= options.CheckpointAboveBytes) return null;

        var took = Stopwatch.StartNew();
        var maintenance = options with { Port = FreeLoopbackPort(), Bind = "127.0.0.1", ExtraArgs = [.. options.ExtraArgs, "-q"] };
        var server = new EmbeddedGarnet(maintenance.ToGarnetArgs());
        bool hung = false;
        try
        {
            server.Start();
            return CheckpointIfWorthIt(server, options, took);
        }
        catch (TimeoutException)
        {
            hung = true;
            throw;
        }
        finally
        {
            // Not when the checkpoint hung: disposing would hang as well.
            if (!hung) server.Dispose();
        }
    }

    /// <summary>
    /// At a stop, after <see cref="GracefulStop.CommitEverything"/> closed every connection and committed the file.
    /// Returns null when checkpoints are off. Throws <see cref="TimeoutException"/> when the checkpoint does not finish.
    /// </summary>
    public static Result? AtStop(EmbeddedGarnet server, EmbeddedRedisOptions options) =>
        options.CheckpointAboveBytes < 0 ? null : CheckpointIfWorthIt(server, options, Stopwatch.StartNew());

    private static Result CheckpointIfWorthIt(EmbeddedGarnet server, EmbeddedRedisOptions options, Stopwatch took)
    {
        long pending = server.AppendOnlyFileSinceCheckpoint;
        bool checkpoint = pending > options.CheckpointAboveBytes;
        if (checkpoint)
        {
            server.Checkpoint(CheckpointTimeout);
            // Makes the moved begin durable; with no connection open, nothing else is in the file to commit.
            GracefulStop.Commit(server);
        }
        File.WriteAllText(Path.Combine(options.DataDirectory, CheckedFile), AppendOnlyFileBytes(options.DataDirectory).ToString(CultureInfo.InvariantCulture));
        return new Result(pending, checkpoint, took.Elapsed);
    }

    // The file grows between checks; when it shrank, a segment was deleted after the last check, and all that is left
    // may be new.
    private static long GrowthOnDisk(string dataDirectory)
    {
        long onDisk = AppendOnlyFileBytes(dataDirectory);
        long last = LastChecked(dataDirectory);
        return onDisk >= last ? onDisk - last : onDisk;
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
}
