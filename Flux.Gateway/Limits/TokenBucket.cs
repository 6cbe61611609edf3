namespace Flux.Gateway.Limits;

/// <summary>
/// A token bucket: up to <c>burst</c> events at once, then <c>perSecond</c> on average. Used for identify and resume
/// attempts per client address, where a ramp of many users behind one address is normal but a loop is not.
/// Not thread-safe: callers lock around it.
/// </summary>
internal sealed class TokenBucket(double perSecond, int burst, TimeProvider time)
{
    private double _tokens = burst;
    private long _updated = time.GetTimestamp();

    public bool TryTake(long now)
    {
        Refill(now);
        if (_tokens < 1) return false;
        _tokens -= 1;
        return true;
    }

    /// <summary>True when the bucket is full again, so forgetting it changes nothing.</summary>
    public bool IsFull(long now)
    {
        Refill(now);
        return _tokens >= burst;
    }

    private void Refill(long now)
    {
        double seconds = (now - _updated) / (double)time.TimestampFrequency;
        if (seconds <= 0) return;
        _tokens = Math.Min(burst, _tokens + seconds * perSecond);
        _updated = now;
    }
}
