using Flux.Gateway.Backplane;
using StackExchange.Redis;

namespace Flux.AppHost.Tests;

/// <summary>What the services need from the <c>redis</c> connection string, checked against the real server behind it.</summary>
internal static class BackplaneChecks
{
    public static async Task AssertServerWorksAsync(string connectionString)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var db = redis.GetDatabase();

        var ping = await db.PingAsync();
        Assert.True(ping < TimeSpan.FromSeconds(5));

        string key = $"test:{Guid.NewGuid():N}";
        Assert.True(await db.StringSetAsync(key, "value"));
        Assert.Equal("value", (string?)await db.StringGetAsync(key));

        // Publish/subscribe: a message published on the channel arrives at the subscriber.
        var channel = RedisChannel.Literal($"test:{Guid.NewGuid():N}");
        var queue = await redis.GetSubscriber().SubscribeAsync(channel);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.OnMessage(message => received.TrySetResult(message.Message!));
        long subscribers = 0;
        for (int attempt = 0; attempt < 50 && subscribers == 0; attempt++)
        {
            subscribers = await redis.GetSubscriber().PublishAsync(channel, "hello");
            if (subscribers == 0) await Task.Delay(100); // the SUBSCRIBE may still be in flight
        }
        Assert.Equal("hello", await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        // The gateway's own publish script: the epoch, the next seq, the top, RPUSH, LTRIM, EXPIRE and PUBLISH in one atomic EVAL, with SET … KEEPTTL;
        // the envelope carries the publish time it was given.
        string guild = $"apphost-test-{Guid.NewGuid():N}";
        var guildQueue = await redis.GetSubscriber().SubscribeAsync(BackplaneKeys.Channel(guild, sharded: false));
        var published = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        guildQueue.OnMessage(message => published.TrySetResult((byte[])message.Message!));
        await Task.Delay(200);
        var result = await db.ScriptEvaluateAsync(BackplaneScripts.Publish, BackplaneKeys.PublishKeys(guild),
            ["""{"op":"msg","seq":""", ""","body":"b"}""", 1000, BackplaneKeys.Channel(guild, sharded: false).ToString(), "", 600, 64, 4242, 1764527000123456, "PUBLISH"]);
        // It answers the seq and the epoch it was assigned in.
        var position = (RedisResult[])result!;
        Assert.Equal((1L, "4242"), ((long)position[0], (string?)position[1]));
        Assert.Equal("""{"op":"msg","seq":1,"body":"b"}""", (string?)await db.ListGetByIndexAsync(BackplaneKeys.History(guild), 0));
        var envelope = System.Text.Encoding.UTF8.GetString(await published.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("1\n4242\n1764527000123456\n\n{\"op\":\"msg\",\"seq\":1,\"body\":\"b\"}", envelope);
        Assert.Equal("4242", (string?)await db.StringGetAsync(BackplaneKeys.Epoch(guild)));
        // Every key of the guild expires after the ttl it was given (600 s): the server keeps what the script set.
        foreach (var guildKey in BackplaneKeys.PublishKeys(guild))
        {
            var ttl = await db.KeyTimeToLiveAsync(guildKey);
            Assert.True(ttl > TimeSpan.Zero && ttl <= TimeSpan.FromSeconds(600), $"{guildKey}: ttl {ttl}");
        }

        // A send from a session of another epoch is refused: seq 0 and the current epoch, and nothing stored.
        var refused = (RedisResult[])(await db.ScriptEvaluateAsync(BackplaneScripts.Publish, BackplaneKeys.PublishKeys(guild),
            ["""{"op":"msg","seq":""", ""","body":"c"}""", 1000, BackplaneKeys.Channel(guild, sharded: false).ToString(), "", 600, 64, 4343, 1764527000123457, "PUBLISH", "1717"]))!;
        Assert.Equal((0L, "4242"), ((long)refused[0], (string?)refused[1]));
        Assert.Equal(1, await db.ListLengthAsync(BackplaneKeys.History(guild)));
    }
}
