using Flux.Testing;

namespace Flux.Gateway.Tests.Hardening;

/// <summary>A Redis-protocol server of its own for a test: Garnet always, redis-server where installed (required in CI).</summary>
internal static class TestRedis
{
    public static TheoryData<RedisKind> Kinds => [RedisKind.Embedded, RedisKind.Server];

    /// <summary>Starts one; skips the test when redis-server is asked for and missing, unless FLUX_REQUIRE_REDIS_SERVER=1.</summary>
    public static async Task<RedisServerProcess> StartAsync(RedisKind kind)
    {
        if (kind == RedisKind.Server && !RedisServerProcess.IsRedisServerInstalled)
        {
            bool required = Environment.GetEnvironmentVariable("FLUX_REQUIRE_REDIS_SERVER") == "1";
            Assert.False(required, "redis-server is required (FLUX_REQUIRE_REDIS_SERVER=1) but not installed");
            Skip.If(true, "redis-server is not installed (apt-get install redis-server)");
        }
        return await RedisServerProcess.StartAsync(kind);
    }
}
