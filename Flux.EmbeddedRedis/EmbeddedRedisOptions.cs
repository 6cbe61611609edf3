using System.Globalization;

/// <summary>
/// How Flux runs Garnet: loopback only, Lua on (the gateway's publish script needs it), and an append-only
/// file so guild sequence numbers and history survive a restart of this process.
/// </summary>
internal sealed record EmbeddedRedisOptions(int Port, string Bind, string DataDirectory, IReadOnlyList<string> ExtraArgs)
{
    public const int DefaultPort = 6379;
    private const string PortVariable = "FLUX_REDIS_PORT";
    private const string DataVariable = "FLUX_REDIS_DATA";

    public static EmbeddedRedisOptions Parse(string[] args, Func<string, string?> env)
    {
        int port = int.TryParse(env(PortVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int p) ? p : DefaultPort;
        string? data = env(DataVariable);
        string bind = "127.0.0.1";
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
                default:
                    extra.Add(args[i]);
                    break;
            }
        }
        data ??= Path.Combine(Path.GetTempPath(), "flux-redis", port.ToString(CultureInfo.InvariantCulture));
        return new EmbeddedRedisOptions(port, bind, data, extra);
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
            "--recover",
            // The managed file device: the native one needs libaio, which Debian 12 lacks.
            "--device-type", "RandomAccess",
            "--checkpointdir", DataDirectory,
            "--memory", "1g",
            "--index", "64m",
            .. ExtraArgs,
        ];
    }
}
