namespace Flux.Testing;

/// <summary>Waits for a state the system reaches on its own, a little later (a key written, a gate started).</summary>
public static class Poll
{
    /// <summary>True as soon as <paramref name="condition"/> holds; false if it has not within <paramref name="timeout"/> (10 s).</summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < until)
        {
            if (await condition().ConfigureAwait(false)) return true;
            await Task.Delay(50).ConfigureAwait(false);
        }
        return false;
    }
}
