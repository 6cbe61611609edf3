using System.Reflection;
using Garnet;
using Garnet.server;

/// <summary>
/// A restart (<c>FLUX.RESTART</c>) or a stop loses nothing, although the append-only file is committed only once a
/// second (<see cref="EmbeddedRedisOptions.CommitEveryMs"/>): the client connections are closed first, so no write
/// can land after the last commit, and then everything written is committed. A crash can still lose about the last
/// second, as with redis-server's <c>everysec</c>.
/// </summary>
internal static class GracefulStop
{
    private static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(10);

    // Garnet (2.2.8) disposes its network servers, then its store, and commits nothing on the way. Its servers are
    // not public, so they are found by name; if a later Garnet renames them, the commit still runs, with a warning
    // that a write landing during it could be lost.
    private static readonly FieldInfo? Servers = typeof(GarnetServer).GetField("servers", BindingFlags.Instance | BindingFlags.NonPublic);

    public static void CommitEverything(GarnetServer server)
    {
        if (Servers?.GetValue(server) is IGarnetServer[] servers)
        {
            foreach (var network in servers) network?.Dispose();
        }
        else
        {
            Console.Error.WriteLine("Flux embedded Redis: cannot close Garnet's connections before the last commit; a write during it may be lost");
        }
        Commit(server);
    }

    /// <summary>Commits everything written so far, without closing anything (after a checkpoint, for its moved begin).</summary>
    public static void Commit(GarnetServer server)
    {
        using var timeout = new CancellationTokenSource(CommitTimeout);
        try
        {
            server.Store.CommitAOFAsync(timeout.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"Flux embedded Redis: the append-only file's last commit did not finish within {CommitTimeout.TotalSeconds:0} s");
        }
    }
}
