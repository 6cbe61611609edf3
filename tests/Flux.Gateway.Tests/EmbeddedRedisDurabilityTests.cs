using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Flux.Testing;

namespace Flux.Gateway.Tests;

/// <summary>
/// The embedded Garnet commits its append-only file once a second, yet a stop or a restart (the restart-redis fault)
/// loses no write it acknowledged: it closes its connections and commits before it goes (docs/protocol.md,
/// "What a confirmed message means"). Only a crash may lose about the last second, as documented for everysec.
/// </summary>
public sealed class EmbeddedRedisDurabilityTests
{
    [Fact]
    public async Task A_stop_right_after_writes_keeps_every_one_of_them()
    {
        await using var redis = await RedisServerProcess.StartAsync(RedisKind.Embedded);
        using (var client = await RespClient.ConnectAsync(redis.Port))
        {
            for (int i = 1; i <= 200; i++) Assert.Equal(i, await client.IncrementAsync("stopped"));
        }

        await redis.TerminateAsync(); // well within the second before the next periodic commit
        await redis.RestartAsync();

        using var after = await RespClient.ConnectAsync(redis.Port);
        Assert.Equal("200", await after.GetAsync("stopped"));
    }

    [Fact]
    public async Task A_restart_under_writes_keeps_every_write_it_acknowledged()
    {
        await using var redis = await RedisServerProcess.StartAsync(RedisKind.Embedded);
        long acknowledged = 0;
        using var writer = await RespClient.ConnectAsync(redis.Port);
        var writing = Task.Run(async () =>
        {
            // Until the restart drops the connection (bounded: 20 s, 1,000,000 writes).
            var deadline = Stopwatch.StartNew();
            for (int i = 0; i < 1_000_000 && deadline.Elapsed < TimeSpan.FromSeconds(20); i++)
            {
                try
                {
                    Volatile.Write(ref acknowledged, await writer.IncrementAsync("restarted"));
                }
                catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException)
                {
                    return;
                }
            }
        });
        // Let some writes through, then restart while they keep coming.
        var started = Stopwatch.StartNew();
        while (Volatile.Read(ref acknowledged) < 500)
        {
            Assert.False(writing.IsCompleted, $"the writer stopped after {Volatile.Read(ref acknowledged)} writes, before the restart");
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), "500 writes took over 15 s");
            await Task.Delay(10);
        }
        using (var control = await RespClient.ConnectAsync(redis.Port))
        {
            Assert.Equal("+OK", await control.CommandAsync("FLUX.RESTART"));
        }
        await writing.WaitAsync(TimeSpan.FromSeconds(30));

        using var after = await ConnectAgainAsync(redis.Port);
        long stored = long.Parse(await after.GetAsync("restarted") ?? "0");
        // A write applied while its reply was cut off may be there too; an acknowledged one must be.
        Assert.True(stored >= acknowledged, $"{acknowledged} writes acknowledged before the restart, {stored} after it");
    }

    private static async Task<RespClient> ConnectAgainAsync(int port)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await RespClient.ConnectAsync(port);
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>One request at a time over RESP, enough for INCR, GET and a simple reply.</summary>
    private sealed class RespClient : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly StreamReader _reader;

        private RespClient(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
            _reader = new StreamReader(_stream, Encoding.ASCII);
        }

        public static async Task<RespClient> ConnectAsync(int port)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            return new RespClient(tcp);
        }

        public async Task<long> IncrementAsync(string key)
        {
            string reply = await CommandAsync("INCR", key);
            return reply.StartsWith(':') ? long.Parse(reply[1..]) : throw new InvalidOperationException($"INCR answered {reply}");
        }

        public async Task<string?> GetAsync(string key)
        {
            string reply = await CommandAsync("GET", key);
            if (reply == "$-1") return null;
            return reply.StartsWith('$') ? await ReadLineAsync() : throw new InvalidOperationException($"GET answered {reply}");
        }

        public async Task<string> CommandAsync(params string[] parts)
        {
            var request = new StringBuilder($"*{parts.Length}\r\n");
            foreach (string part in parts) request.Append($"${part.Length}\r\n{part}\r\n");
            await _stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
            return await ReadLineAsync();
        }

        private async Task<string> ReadLineAsync() => await _reader.ReadLineAsync() ?? throw new EndOfStreamException("the server closed the connection");

        public void Dispose() => _tcp.Dispose();
    }
}
