namespace Flux.ServiceDefaults;

/// <summary>A running maximum updated from many threads without a lock.</summary>
public static class InterlockedMax
{
    /// <summary>Raises <paramref name="target"/> to <paramref name="value"/> if that is higher; never lowers it.</summary>
    public static void Raise(ref long target, long value)
    {
        long current = Volatile.Read(ref target);
        while (value > current)
        {
            long seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }
}
