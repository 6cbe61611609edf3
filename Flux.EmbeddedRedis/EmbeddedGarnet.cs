using Garnet;
using Garnet.server;

/// <summary>
/// Garnet's server with the two things Flux needs beyond its public API (its <c>storeWrapper</c> is open to a
/// subclass): the append-only file's length since the last checkpoint, and a checkpoint taken in this process, which
/// <see cref="Checkpoints"/> takes only while no client is connected.
/// </summary>
internal sealed class EmbeddedGarnet(string[] args) : GarnetServer(args)
{
    /// <summary>Bytes of the append-only file after its last checkpoint: what a start would replay.</summary>
    public long AppendOnlyFileSinceCheckpoint => storeWrapper.AofSize();

    /// <summary>
    /// Takes a checkpoint and waits for it. Throws <see cref="TimeoutException"/> when it does not finish within
    /// <paramref name="timeout"/>, and <see cref="IOException"/> when Garnet refuses it or it fails.
    /// </summary>
    public void Checkpoint(TimeSpan timeout)
    {
        var checkpoint = storeWrapper.TakeCheckpointAsync(background: false, dbId: -1, CancellationToken.None, logger: null);
        bool finished;
        try
        {
            finished = checkpoint.Wait(timeout);
        }
        catch (AggregateException failed)
        {
            throw new IOException($"Garnet's checkpoint failed: {failed.InnerException?.Message}", failed.InnerException);
        }
        if (!finished) throw new TimeoutException($"the append-only file's checkpoint did not finish within {timeout.TotalMinutes:0} min");
        if (checkpoint.Result != CheckpointStatus.Success) throw new IOException($"Garnet's checkpoint ended {checkpoint.Result}");
    }
}
