namespace Flux.Gateway.Limits;

/// <summary>
/// An exact sliding window: at most <c>limit</c> events in any <c>window</c>. Keeps the times of the last
/// <c>limit</c> events in a ring, allocated on the first event so idle users pay nothing. Not thread-safe: callers
/// that share one (a user's connections) lock around it.
/// </summary>
internal sealed class SlidingWindowLimiter(int limit, TimeSpan window, TimeProvider time)
{
    private readonly long _windowTicks = (long)(window.TotalSeconds * time.TimestampFrequency);
    private long[]? _times;
    private int _next;
    private int _count;

    /// <summary>Records an event at <paramref name="now"/> (a <see cref="TimeProvider"/> timestamp); false when it is one too many.</summary>
    public bool TryAcquire(long now)
    {
        _times ??= new long[limit];
        if (_count == limit)
        {
            long oldest = _times[_next];
            if (now - oldest < _windowTicks) return false;
        }
        else
        {
            _count++;
        }
        _times[_next] = now;
        _next = (_next + 1) % limit;
        return true;
    }

    /// <summary>True when no event within the window remains, so forgetting the limiter changes nothing.</summary>
    public bool IsIdle(long now) => _count == 0 || now - _times![(_next + limit - 1) % limit] >= _windowTicks;
}
