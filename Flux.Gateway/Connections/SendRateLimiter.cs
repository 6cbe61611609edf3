using System.Diagnostics;

namespace Flux.Gateway.Connections;

/// <summary>
/// An exact sliding window: at most <c>limit</c> sends in any <c>window</c>. Keeps the times of the last
/// <c>limit</c> sends in a ring, allocated on the first send so idle connections pay nothing.
/// Used only from the connection's receive loop, so it needs no locking.
/// </summary>
internal sealed class SendRateLimiter(int limit, TimeSpan window)
{
    private readonly long _windowTicks = (long)(window.TotalSeconds * Stopwatch.Frequency);
    private long[]? _times;
    private int _next;
    private int _count;

    /// <summary>Records a send at <paramref name="now"/> (Stopwatch ticks); false when it is one too many.</summary>
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
}
