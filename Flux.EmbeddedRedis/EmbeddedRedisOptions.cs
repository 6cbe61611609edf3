using System.Globalization;

/// <summary>
/// How Flux runs Garnet: loopback only, Lua on (the gateway's publish script needs it), and an append-only
/// file so guild sequence numbers and history survive a restart of this process. The file is committed once a second
/// (<see cref="CommitEveryMs"/>), as redis-server's <c>appendfsync everysec</c>; <c>--aof-commit-wait</c> (the
/// AppHost's <c>Flux:Redis:Durability=always</c>) commits each write before its reply instead.
/// </summary>
internal sealed record EmbeddedRedisOptions(int Port, string Bind, string DataDirectory, IReadOnlyList<string> ExtraArgs)
{
    public const int DefaultPort = 6379;

    /// <summary>
    /// A stop, or a start after a crash, takes a checkpoint when more than this (bytes of the append-only file since
    /// the last one) would be replayed (<see cref="Checkpoints"/>). 64 MB replays in about half a second here;
    /// <c>--checkpoint-above SIZE</c> (<c>64m</c>, <c>512k</c>, <c>0</c> for any write, <c>off</c> for never) sets it.
    /// </summary>
    public const long DefaultCheckpointAboveBytes = 64L << 20;

    public long CheckpointAboveBytes { get; init; } = DefaultCheckpointAboveBytes;

    /// <summary>
    /// How often the append-only file is committed, in ms. Garnet's own default, 0, issues a commit for every write:
    /// one <c>pwrite</c> per publish, about a quarter of Garnet's CPU during a storm (docs/benchmarks.md, "The
    /// embedded Garnet's CPU"). A crash can lose about the last second, as README.md documents for <c>everysec</c>; a
    /// restart (<c>FLUX.RESTART</c>) or a stop commits everything first.
    /// </summary>
    public const int CommitEveryMs = 1_000;

    private const string PortVariable = "FLUX_REDIS_PORT";
    private const string DataVariable = "FLUX_REDIS_DATA";

    public static EmbeddedRedisOptions Parse(string[] args, Func<string, string?> env)
    {
        int port = int.TryParse(env(PortVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int p) ? p : DefaultPort;
        string? data = env(DataVariable);
        string bind = "127.0.0.1";
        long checkpointAbove = DefaultCheckpointAboveBytes;
        var extra = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port" when i + 1 < args.Length:
                    port = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--data" when i + 1 < args.Length:
                    data = args[++i];
                    break;
                case "--bind" when i + 1 < args.Length:
                    bind = args[++i];
                    break;
                case "--checkpoint-above" when i + 1 < args.Length:
                    checkpointAbove = ParseSize(args[++i]);
                    break;
                default:
                    extra.Add(args[i]);
                    break;
            }
        }
        data ??= Path.Combine(Path.GetTempPath(), "flux-redis", port.ToString(CultureInfo.InvariantCulture));
        return new EmbeddedRedisOptions(port, bind, data, extra) { CheckpointAboveBytes = checkpointAbove };
    }

    /// <summary>A byte count with an optional k, m or g (powers of 1024), or <c>off</c> (-1).</summary>
    internal static long ParseSize(string text)
    {
        if (text.Equals("off", StringComparison.OrdinalIgnoreCase)) return -1;
        int shift = char.ToLowerInvariant(text.Length > 0 ? text[^1] : ' ') switch { 'k' => 10, 'm' => 20, 'g' => 30, _ => 0 };
        var digits = shift == 0 ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value > (long.MaxValue >> shift))
        {
            throw new ArgumentException($"--checkpoint-above takes a size such as 64m, 512k or 0, or off; '{text}' is none of them");
        }
        return value << shift;
    }

    public string[] ToGarnetArgs()
    {
        Directory.CreateDirectory(DataDirectory);
        return
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", Bind,
            "--lua",
            // Lock the script's KEYS for its whole run: without it Garnet interleaves concurrent scripts,
            // and two sends to one guild could be stored and published out of seq order.
            "--lua-transaction-mode",
            "--aof",
            .. CommitFrequency(),
            "--recover",
            // The managed file device: the native one needs libaio, which Debian 12 lacks.
            "--device-type", "RandomAccess",
            "--checkpointdir", DataDirectory,
            "--memory", "1g",
            "--index", "64m",
            .. ExtraArgs,
        ];
    }

    // Once a second, unless the caller chose: a commit wait needs a commit per write, and an explicit frequency wins.
    private string[] CommitFrequency() =>
        ExtraArgs.Contains("--aof-commit-wait") || ExtraArgs.Contains("--aof-commit-freq")
            ? []
            : ["--aof-commit-freq", CommitEveryMs.ToString(CultureInfo.InvariantCulture)];
}
