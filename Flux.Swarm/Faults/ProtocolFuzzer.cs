using System.Text;
using Flux.Protocol.Auth;
using Flux.Protocol.WebSockets;
using Flux.Protocol.Wire;
using Flux.Protocol.Storms.Faults;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;
using Flux.Swarm.Users;

namespace Flux.Swarm.Faults;

/// <summary>
/// The fuzz fault: extra clients, apart from the storm's users, that for a bounded time connect again and again and
/// send what a client must not: bad JSON, wrong types, huge numbers, deep nesting, unknown ops, random bytes (framed
/// and not), odd fragments, unmasked or reserved frames, floods, and resumes with junk. Each connection must end with a
/// close frame whose code the protocol documents; how each ended is counted on the fault, and the users meanwhile must
/// lose nothing.
/// </summary>
internal sealed class ProtocolFuzzer(StormContext storm, int fault, Random random)
{
    /// <summary>How long a fuzzing client waits for the gateway's close; beyond the identify timeout (10 s), which closes anything.</summary>
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(13);

    /// <summary>Once the gateway said <c>ready</c> (the input was valid after all), how long to wait for a close the rest of the input may earn.</summary>
    private static readonly TimeSpan AcceptedWait = TimeSpan.FromSeconds(2);

    /// <summary>Kinds of bad input, each its own small generator.</summary>
    private static readonly Func<Random, TokenIssuer, string, byte[][]>[] Inputs =
    [
        (r, _, _) => [Text("{\"op\":")],
        (r, _, _) => [Text("not json at all " + r.Next())],
        (r, _, _) => [Text("[1,2,3]")],
        (r, _, _) => [Text("{\"op\":123}")],
        (r, _, _) => [Text("{\"op\":\"identify\",\"token\":42}")],
        (r, _, _) => [Text("{\"op\":\"send\",\"guild\":5,\"nonce\":\"n\",\"body\":\"b\"}")],
        (r, _, _) => [Text("{\"op\":\"resume\",\"token\":\"x\",\"session\":\"s\",\"seqs\":{\"g\":1e999}}")],
        (r, _, _) => [Text("{\"op\":\"resume\",\"token\":\"x\",\"session\":\"s\",\"seqs\":{\"g\":-1}}")],
        (r, _, _) => [Text("{\"op\":\"identify\",\"token\":" + new string('[', 40) + new string(']', 40) + "}")],
        (r, _, _) => [Text("{\"op\":\"" + Word(r) + "\"}")],
        (r, _, _) => [Text("{\"op\":\"resume\",\"token\":\"junk\",\"session\":\"" + Word(r) + "\",\"seqs\":{}}")],
        (r, _, _) => [GatewaySocket.Frame(WebSocketOpcode.Text, Bytes(r, r.Next(1, 200)))],
        (r, _, _) => [Bytes(r, r.Next(2, 64))],
        (r, _, _) => [GatewaySocket.Frame(WebSocketOpcode.Binary, Bytes(r, 16))],
        (r, _, _) => [GatewaySocket.Frame(WebSocketOpcode.Text, new byte[5_000])],
        (r, _, _) => [GatewaySocket.Frame(WebSocketOpcode.Continuation, "x"u8)],
        (r, _, _) => [.. Enumerable.Range(0, 40).Select(_ => GatewaySocket.Frame(WebSocketOpcode.Text, " "u8, fin: false))],
        (r, _, _) => [GatewaySocket.Frame(WebSocketOpcode.Text, "{}"u8, reserved: 1 + r.Next(7))],
        (r, _, _) => [GatewaySocket.Frame((WebSocketOpcode)(3 + r.Next(5)), "x"u8)],
        (r, _, _) => [Unmasked(Encoding.UTF8.GetBytes("{\"op\":\"heartbeat\"}"))],
        (r, _, _) => [GatewaySocket.Frame(WebSocketOpcode.Ping, Bytes(r, 126))],
        (r, _, _) => [GatewaySocket.Frame(WebSocketOpcode.Text, [0x7B, 0xC3, 0x28, 0x7D])],
        (r, tokens, guild) => [Mutate(r, ClientFrameWriter.Identify(tokens.Issue($"fuzz-{r.Next()}", [guild])))],
        (r, tokens, guild) => [Text(ClientFrameWriter.Identify(tokens.Issue($"fuzz-{r.Next()}", [guild]))), .. Enumerable.Range(0, 30).Select(_ => Text(ClientFrameWriter.Heartbeat))],
        (r, tokens, guild) => [Text(ClientFrameWriter.Identify(tokens.Issue($"fuzz-{r.Next()}", [guild]))), Text("{\"op\":\"identify\",\"token\":\"again\"}")],
        (r, tokens, guild) => [Text(ClientFrameWriter.Identify(tokens.Issue($"fuzz-{r.Next()}", [guild]))), GatewaySocket.Frame(WebSocketOpcode.Text, Bytes(r, 64))],
    ];

    /// <summary>Runs <paramref name="clients"/> fuzzing clients until <paramref name="duration"/> has passed.</summary>
    public async Task RunAsync(int clients, TimeSpan duration, CancellationToken stop)
    {
        var end = DateTime.UtcNow + duration;
        // Fuzzing clients join a guild of their own, so nothing they do reaches the users' guilds.
        string guild = $"{storm.RunId}-fuzz";
        var tasks = Enumerable.Range(0, clients).Select(i => ClientAsync(i, guild, end, new Random(random.Next()), stop));
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task ClientAsync(int index, string guild, DateTime end, Random random, CancellationToken stop)
    {
        for (int attempt = 0; DateTime.UtcNow < end && !stop.IsCancellationRequested; attempt++)
        {
            var gateway = storm.Gateways[(index + attempt) % storm.Gateways.Count];
            var input = Inputs[random.Next(Inputs.Length)](random, storm.Tokens, guild);
            storm.Effects.FuzzClosed(fault, await SendAndWatchAsync(gateway.WebSocket, input, stop).ConfigureAwait(false));
        }
    }

    // One connection: hello, the bad input, then everything until the gateway closes. Returns how it ended.
    private static async Task<string> SendAndWatchAsync(Uri gateway, byte[][] input, CancellationToken stop)
    {
        GatewaySocket socket;
        try
        {
            using var connect = CancellationTokenSource.CreateLinkedTokenSource(stop);
            connect.CancelAfter(TimeSpan.FromSeconds(10));
            socket = await GatewaySocket.ConnectAsync(gateway, connect.Token).ConfigureAwait(false);
        }
        catch (IOException)
        {
            return "connect-failed";
        }
        using (socket)
        {
            // Each connection is waited on to its end, even past the storm's stop: stopping early would count a slow close as none.
            using var wait = new CancellationTokenSource(CloseWait);
            var watch = new CloseWatch(socket);
            try
            {
                var reading = watch.ReadUntilCloseAsync(wait);
                foreach (byte[] frame in input) await socket.SendRawAsync(frame).ConfigureAwait(false);
                await reading.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                // The gateway closed while the input was still going out: what it said (if anything) is below.
            }
            catch (OperationCanceledException)
            {
                return watch.Ready ? CloseKinds.Accepted : CloseKinds.NoClose;
            }
            return socket.CloseStatus is { } code ? CloseKinds.Of(code) : CloseKinds.Dropped;
        }
    }

    /// <summary>Reads a fuzzing connection to its close, noting whether the gateway accepted the input (<c>ready</c>).</summary>
    private sealed class CloseWatch(GatewaySocket socket)
    {
        public bool Ready { get; private set; }

        public async Task ReadUntilCloseAsync(CancellationTokenSource wait)
        {
            bool waitingOutAccepted = false;
            while (await socket.ReceiveAsync(OnMessage, wait.Token).ConfigureAwait(false))
            {
                // Once, at the ready: a read that brings only the gateway's pings must not push the end back.
                if (Ready && !waitingOutAccepted)
                {
                    wait.CancelAfter(AcceptedWait);
                    waitingOutAccepted = true;
                }
            }
        }

        private void OnMessage(ReadOnlySpan<byte> message)
        {
            if (message.StartsWith("{\"op\":\"ready\""u8)) Ready = true;
        }
    }

    private static byte[] Text(string json) => GatewaySocket.Frame(WebSocketOpcode.Text, Encoding.UTF8.GetBytes(json));

    private static byte[] Text(byte[] json) => GatewaySocket.Frame(WebSocketOpcode.Text, json);

    private static byte[] Bytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string Word(Random random) => new([.. Enumerable.Range(0, random.Next(1, 12)).Select(_ => (char)random.Next('a', 'z' + 1))]);

    // A valid frame's payload with a few bytes changed.
    private static byte[] Mutate(Random random, byte[] payload)
    {
        var copy = (byte[])payload.Clone();
        for (int i = 0, n = random.Next(1, 4); i < n; i++) copy[random.Next(copy.Length)] = (byte)random.Next(256);
        return GatewaySocket.Frame(WebSocketOpcode.Text, copy);
    }

    private static byte[] Unmasked(byte[] payload)
    {
        var frame = new byte[WebSocketFrameHeader.SizeOf(payload.Length, masked: false) + payload.Length];
        int header = WebSocketFrameHeader.Write(frame, WebSocketOpcode.Text, payload.Length);
        payload.CopyTo(frame, header);
        return frame;
    }
}
