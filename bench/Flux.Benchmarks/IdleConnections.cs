using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Reflection;
using System.Text;
using Flux.Protocol.Admin;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;
using Grpc.Net.Client;

namespace Flux.Benchmarks;

/// <summary>
/// Memory per idle connection: a gateway process (with Garnet beside it) takes N identified connections that then
/// stay silent, and its resident memory and managed heap are read before and after through GatewayAdmin.GetStats.
/// The clients live in this process, so their memory is not counted.
/// </summary>
internal static class IdleConnections
{
    private const int Guilds = 200;
    private const int ConnectConcurrency = 64;

    public static async Task<int> RunAsync(string[] args)
    {
        int connections = Option(args, "--connections") ?? 10_000;
        int holdSeconds = Option(args, "--hold") ?? 0; // keep the connections open, e.g. to take a GC dump of the gateway
        // Identified users that keep their heartbeats (every 10 s against the default 15 s interval) while they idle;
        // without it the connections are silent.
        bool heartbeats = args.Contains("--heartbeats");
        string signingKey = SigningKey.Generate();
        string adminKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var tokens = new TokenIssuer(SigningKey.FromBase64(signingKey));
        int redisPort = FreePort(), httpPort = FreePort(), grpcPort = FreePort();
        string data = Path.Combine(Path.GetTempPath(), $"flux-idle-{Guid.NewGuid():N}");

        using var redis = Start("dotnet", ["exec", Metadata("EmbeddedRedisAssembly"), "--port", $"{redisPort}", "--data", data], []);
        using var gateway = Start("dotnet", ["exec", Metadata("GatewayAssembly")], new()
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}",
            ["GRPC_PORT"] = $"{grpcPort}",
            ["ConnectionStrings__redis"] = $"127.0.0.1:{redisPort}",
            ["Auth__SigningKey"] = signingKey,
            ["Admin__Key"] = adminKey,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Gateway__HeartbeatIntervalMs"] = heartbeats ? "15000" : "600000",
            // Every client comes from 127.0.0.1: the per-address caps (10,000 connections, 500 identifies a second)
            // would measure themselves instead of the memory.
            ["Gateway__Limits__MaxConnectionsPerIp"] = "0",
            ["Gateway__Limits__IdentifyPerIpPerSecond"] = "1000000",
            ["Gateway__Limits__IdentifyBurstPerIp"] = "1000000",
        });
        try
        {
            await WaitForHealthAsync(httpPort);
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
            var admin = new GatewayAdmin.GatewayAdminClient(AdminKey.Attach(channel, adminKey));
            var uri = new Uri($"ws://127.0.0.1:{httpPort}/gateway?v=1");

            // Warm up (JIT, pools, a first subscription per guild), then let it settle.
            var warm = await ConnectAsync(uri, tokens, Math.Min(Guilds, connections), offset: connections);
            foreach (var socket in warm) socket.Abort();
            await Task.Delay(TimeSpan.FromSeconds(3));
            var before = await admin.GetStatsAsync(new GetStatsRequest { FullGc = true });

            var started = Stopwatch.StartNew();
            var sockets = await ConnectAsync(uri, tokens, connections, offset: 0);
            var connectTime = started.Elapsed;
            using var stopBeating = new CancellationTokenSource();
            var beating = heartbeats ? HeartbeatAsync(sockets, stopBeating.Token) : Task.CompletedTask;
            await Task.Delay(TimeSpan.FromSeconds(heartbeats ? 25 : 5));
            var after = await admin.GetStatsAsync(new GetStatsRequest { FullGc = true });

            Console.WriteLine($"idle connections: {after.ConnectionsOpen:N0} open ({connections:N0} asked), connected in {connectTime.TotalSeconds:0.0} s");
            Console.WriteLine($"gateway resident memory: {Mb(before.WorkingSetBytes)} -> {Mb(after.WorkingSetBytes)} = {Per(after.WorkingSetBytes - before.WorkingSetBytes, connections)} per connection");
            Console.WriteLine($"gateway managed heap (live, after a full GC): {Mb(before.GcHeapBytes)} -> {Mb(after.GcHeapBytes)} = {Per(after.GcHeapBytes - before.GcHeapBytes, connections)} per connection");
            if (heartbeats) Console.WriteLine("(the users kept their heartbeats: one every 10 s against a 15 s interval, each answered)");
            if (holdSeconds > 0)
            {
                Console.WriteLine($"holding {connections:N0} connections for {holdSeconds} s; gateway pid {gateway.Id}");
                await Task.Delay(TimeSpan.FromSeconds(holdSeconds));
            }
            await stopBeating.CancelAsync();
            await beating;
            foreach (var socket in sockets) socket.Abort();
            return after.ConnectionsOpen >= connections ? 0 : 1;
        }
        finally
        {
            gateway.Kill(entireProcessTree: true);
            redis.Kill(entireProcessTree: true);
        }
    }

    private static async Task<List<WebSocket>> ConnectAsync(Uri uri, TokenIssuer tokens, int count, int offset)
    {
        var sockets = new WebSocket[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = ConnectConcurrency }, async (i, ct) =>
        {
            var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            // From 127.0.0.1, .2, … (5,000 each), as the swarm connects: one address runs out of ports near 28,000.
            await socket.ConnectAsync(uri, Invokers[(i + offset) / UsersPerAddress % Invokers.Length], ct);
            var frame = new byte[4096];
            await socket.ReceiveAsync(frame, ct); // hello
            string user = $"idle{i + offset}";
            await socket.SendAsync(ClientFrameWriter.Identify(tokens.Issue(user, [$"idle-g{i % Guilds}"])), WebSocketMessageType.Text, true, ct);
            var ready = await socket.ReceiveAsync(frame, ct);
            if (!Encoding.UTF8.GetString(frame, 0, ready.Count).Contains("\"ready\"", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{user} was not made ready: {Encoding.UTF8.GetString(frame, 0, ready.Count)}");
            }
            sockets[i] = socket;
        });
        return [.. sockets];
    }

    // Every socket sends a heartbeat every 10 s and reads its acks, until stopped.
    private static async Task HeartbeatAsync(List<WebSocket> sockets, CancellationToken stop)
    {
        var readers = sockets.Select(socket => Task.Run(async () =>
        {
            var buffer = new byte[256];
            try
            {
                while (!stop.IsCancellationRequested) await socket.ReceiveAsync(buffer, stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
            }
        })).ToList();
        byte[] heartbeat = ClientFrameWriter.Heartbeat;
        // Spread over the 10 s, as real users' heartbeats are (each on its own phase), not all of them in one burst.
        int batch = Math.Max(1, sockets.Count / 100);
        while (!stop.IsCancellationRequested)
        {
            for (int i = 0; i < sockets.Count && !stop.IsCancellationRequested; i++)
            {
                await sockets[i].SendAsync(heartbeat, WebSocketMessageType.Text, true, CancellationToken.None);
                if (i % batch == batch - 1) await Task.Delay(100, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        await Task.WhenAll(readers);
    }

    private const int UsersPerAddress = 5_000;

    // One connection factory per loopback source address; enough addresses for 1,270,000 connections.
    private static readonly HttpMessageInvoker[] Invokers = [.. Enumerable.Range(0, 254).Select(block => new HttpMessageInvoker(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            Flux.Protocol.Net.SourceBinding.Bind(socket, new System.Net.IPAddress(new byte[] { 127, 0, 0, (byte)(1 + block) }));
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    }))];

    private static int? Option(string[] args, string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : null;
    }

    private static string Metadata(string key) =>
        typeof(IdleConnections).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static Process Start(string file, string[] args, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitForHealthAsync(int port)
    {
        using var http = new HttpClient();
        for (int i = 0; i < 300; i++)
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/health")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("the gateway did not become healthy");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Mb(long bytes) => $"{bytes / 1048576.0:0.0} MB";

    private static string Per(long bytes, int connections) => $"{bytes / (double)connections / 1024:0.00} KB";
}
