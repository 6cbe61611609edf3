using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Flux.AppHost.Tests;

/// <summary>
/// The Redis resource the AppHost models, per mode and durability, read from the application model without starting
/// anything (Flux:Redis:Durability=always; restart-redis needs DEBUG and an absolute path).
/// </summary>
public sealed class RedisBackplaneModelTests
{
    [Theory]
    [InlineData("server", null, "--appendfsync everysec")]
    [InlineData("server", "everysec", "--appendfsync everysec")]
    [InlineData("server", "always", "--appendfsync always")]
    [InlineData("embedded", "always", "--aof-commit-wait")]
    public async Task Durability_sets_how_the_append_only_file_is_flushed(string mode, string? durability, string expected)
    {
        var args = await RedisArgumentsAsync(mode, durability);

        Assert.Contains(expected, string.Join(' ', args));
    }

    [Fact]
    public async Task Embedded_without_durability_always_does_not_wait_for_each_commit()
    {
        Assert.DoesNotContain("--aof-commit-wait", await RedisArgumentsAsync("embedded", null));
    }

    [SkippableFact]
    public async Task Redis_server_runs_from_its_absolute_path_with_debug_allowed_locally_so_it_can_be_restarted()
    {
        Skip.If(!File.Exists("/usr/bin/redis-server") && Environment.GetEnvironmentVariable("FLUX_REQUIRE_REDIS_SERVER") != "1",
            "redis-server is not installed");
        await using var app = await BuildAsync("server", null);
        var redis = app.Resources.Single(r => r.Name == "redis");

        Assert.True(Path.IsPathRooted(((ExecutableResource)redis).Command), ((ExecutableResource)redis).Command);
        Assert.Contains("--enable-debug-command local", string.Join(' ', await ArgumentsAsync(redis)));
    }

    [Fact]
    public async Task Auto_runs_redis_server_where_it_is_installed_and_garnet_where_it_is_not()
    {
        bool installed = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(directory => directory.Length > 0 && File.Exists(Path.Combine(directory, "redis-server")));

        var args = string.Join(' ', await RedisArgumentsAsync("auto", null));

        // redis-server gets an append-only file by --appendonly; Garnet (the embedded server) by the assembly it runs.
        Assert.Equal(installed, args.Contains("--appendonly yes", StringComparison.Ordinal));
        Assert.Equal(!installed, args.Contains("Flux.EmbeddedRedis", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_durability_is_refused_with_a_message_that_names_the_choices()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => RedisArgumentsAsync("server", "sometimes"));

        Assert.Contains("use everysec (the default) or always", Flatten(error));
    }

    private static async Task<IReadOnlyList<string>> RedisArgumentsAsync(string mode, string? durability)
    {
        await using var app = await BuildAsync(mode, durability);
        return await ArgumentsAsync(app.Resources.Single(r => r.Name == "redis"));
    }

    // The resource's command-line arguments as its callbacks write them; an endpoint's port stays an unresolved
    // reference here, which none of these tests reads.
    private static async Task<IReadOnlyList<string>> ArgumentsAsync(IResource resource)
    {
        var args = new List<object>();
        foreach (var callback in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await callback.Callback(new CommandLineArgsCallbackContext(args, resource, CancellationToken.None));
        }
        return [.. args.Select(a => a.ToString() ?? "")];
    }

    private static async Task<IDistributedApplicationTestingBuilder> BuildAsync(string mode, string? durability)
    {
        string[] args = ["Flux:Redis:Mode=" + mode, "Flux:Redis:Port=16999", "Flux:Dashboard:Port=0",
            .. durability is null ? Array.Empty<string>() : ["Flux:Redis:Durability=" + durability]];
        return await DistributedApplicationTestingBuilder.CreateAsync<Projects.Flux_AppHost>(args);
    }

    private static string Flatten(Exception error) => error.InnerException is { } inner ? error.Message + " " + Flatten(inner) : error.Message;
}
