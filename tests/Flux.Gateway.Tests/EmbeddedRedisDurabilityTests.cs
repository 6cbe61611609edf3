using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Flux.Testing;
using StackExchange.Redis;

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

    [Fact]
    public async Task A_stop_checkpoints_what_the_run_wrote_and_every_key_survives_it()
    {
        // 256 KB instead of 64 MB, so a few thousand writes are worth a checkpoint.
        await using var redis = await RedisServerProcess.StartAsync(RedisKind.Embedded, embeddedArgs: ["--checkpoint-above", "256k"]);
        await WriteKeysAsync(redis);

        await redis.TerminateAsync();
        Assert.Equal(1, Occurrences(redis.Output, "checkpointed"));
        Assert.Contains("at stop, after the last client", redis.Output);
        await redis.RestartAsync();
        long begin = await AssertKeysSurvivedAsync(redis, counter: 3_000);
        await using (var writer = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            for (int i = 0; i < 10; i++) await writer.GetDatabase().StringIncrementAsync("counter");
        }

        // Ten writes more are not worth a checkpoint: the next start replays them after the first one.
        await redis.TerminateAsync();
        await redis.RestartAsync();
        Assert.Equal(1, Occurrences(redis.Output, "checkpointed"));
        Assert.Equal(begin, await AssertKeysSurvivedAsync(redis, counter: 3_010));
    }

    [Fact]
    public async Task A_start_after_a_kill_checkpoints_what_the_run_wrote_before_any_client()
    {
        await using var redis = await RedisServerProcess.StartAsync(RedisKind.Embedded, embeddedArgs: ["--checkpoint-above", "256k"]);
        await WriteKeysAsync(redis);
        // The file is committed once a second, and a kill loses what is not: wait until the commit has reached the tail.
        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},allowAdmin=true"))
        {
            var server = admin.GetServer(redis.ConnectionString);
            Assert.True(await Poll.UntilAsync(async () =>
            {
                string? info = await server.InfoRawAsync("persistence");
                return PersistenceField(info, "CommittedUntilAddress") >= PersistenceField(info, "TailAddress");
            }), "the append-only file was not committed up to its tail within 10 s");
        }

        await redis.StopAsync(); // kill -9: no checkpoint at stop
        Assert.Equal(0, Occurrences(redis.Output, "checkpointed"));
        await redis.RestartAsync();
        Assert.Equal(1, Occurrences(redis.Output, "checkpointed"));
        Assert.Contains("at start, before any client", redis.Output);
        await AssertKeysSurvivedAsync(redis, counter: 3_000);

        // That start recorded the file's size: the next one, after another kill, sees no growth and starts no Garnet to look.
        await redis.StopAsync();
        await redis.RestartAsync();
        Assert.Equal(1, Occurrences(redis.Output, "at start, before any client"));
        await AssertKeysSurvivedAsync(redis, counter: 3_000);
    }

    private const string Entry = "an entry of the guild's history, about as long as a chat message's frame is: 0123456789";

    // Three thousand increments and pushes (about 600 KB of the file), a list trimmed to 100, a key that expires in an
    // hour and one that has expired.
    private static async Task WriteKeysAsync(RedisServerProcess redis)
    {
        await using var writer = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = writer.GetDatabase();
        var writes = new List<Task>();
        for (int i = 1; i <= 3_000; i++)
        {
            writes.Add(db.StringIncrementAsync("counter"));
            writes.Add(db.ListRightPushAsync("history", $"{i}:{Entry}"));
        }
        await Task.WhenAll(writes);
        await db.ListTrimAsync("history", -100, -1);
        await db.StringSetAsync("expiring", "kept", TimeSpan.FromHours(1));
        await db.StringSetAsync("expired", "gone", TimeSpan.FromMilliseconds(1));
    }

    /// <summary>Asserts every key of <see cref="WriteKeysAsync"/> and that the file begins past them; returns its begin.</summary>
    private static async Task<long> AssertKeysSurvivedAsync(RedisServerProcess redis, int counter)
    {
        await using var reader = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},allowAdmin=true");
        var db = reader.GetDatabase();
        Assert.Equal(counter.ToString(), await db.StringGetAsync("counter"));
        var history = await db.ListRangeAsync("history");
        Assert.Equal(Enumerable.Range(2_901, 100).Select(i => $"{i}:{Entry}"), history.Select(v => v.ToString()));
        Assert.Equal("kept", await db.StringGetAsync("expiring"));
        Assert.InRange((await db.KeyTimeToLiveAsync("expiring"))!.Value, TimeSpan.FromMinutes(50), TimeSpan.FromHours(1));
        Assert.False(await db.KeyExistsAsync("expired"));
        // The checkpoint moved the file's begin past every write above: a start replays none of them.
        long begin = PersistenceField(await reader.GetServer(redis.ConnectionString).InfoRawAsync("persistence"), "BeginAddress");
        Assert.True(begin > 3_000 * Entry.Length, $"the append-only file still begins at {begin}");
        return begin;
    }

    [Fact]
    public async Task A_checkpoint_limit_that_is_not_a_size_stops_the_start_with_a_message()
    {
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(
            () => RedisServerProcess.StartAsync(RedisKind.Embedded, embeddedArgs: ["--checkpoint-above", "lots"]));
        Assert.Contains("exited with 2", refused.Message);
        Assert.Contains("--checkpoint-above takes a size such as 64m, 512k or 0, or off; 'lots' is none of them", refused.Message);
    }

    private static int Occurrences(string text, string word) => (text.Length - text.Replace(word, "").Length) / word.Length;

    // One address of Garnet's INFO persistence ("BeginAddress", "TailAddress", "CommittedUntilAddress").
    private static long PersistenceField(string? info, string name) =>
        long.Parse(info!.Split('\n').Select(line => line.Trim()).Single(line => line.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..]);

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
