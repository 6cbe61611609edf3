namespace Flux.Swarm.Users;

/// <summary>
/// A hashed timer wheel for heartbeats: thousands of users share one wheel ticked by the send scheduler,
/// instead of a timer each. Slots are <see cref="SlotMilliseconds"/> wide; an entry due beyond one turn waits for its round.
/// </summary>
internal sealed class HeartbeatWheel
{
    public const int SlotMilliseconds = 100;
    private const int Slots = 512;

    private readonly List<(SimulatedUser User, long DueMs)>[] _slots = new List<(SimulatedUser, long)>[Slots];
    private readonly Lock _gate = new();
    private long _nextTickMs;

    public HeartbeatWheel()
    {
        for (int i = 0; i < Slots; i++) _slots[i] = [];
    }

    public void Schedule(SimulatedUser user, long dueMs)
    {
        lock (_gate)
        {
            long tick = Math.Max(dueMs, _nextTickMs) / SlotMilliseconds;
            _slots[tick % Slots].Add((user, dueMs));
        }
    }

    /// <summary>Fires every entry due by <paramref name="nowMs"/> (up to one slot early).</summary>
    public void Advance(long nowMs, Action<SimulatedUser> fire)
    {
        List<SimulatedUser>? due = null;
        lock (_gate)
        {
            while (_nextTickMs <= nowMs)
            {
                long tick = _nextTickMs / SlotMilliseconds;
                var slot = _slots[tick % Slots];
                for (int i = slot.Count - 1; i >= 0; i--)
                {
                    // Due in this slot's current round (entries of later rounds share the slot and wait).
                    if (slot[i].DueMs / SlotMilliseconds <= tick)
                    {
                        (due ??= []).Add(slot[i].User);
                        slot[i] = slot[^1];
                        slot.RemoveAt(slot.Count - 1);
                    }
                }
                _nextTickMs += SlotMilliseconds;
            }
        }
        if (due is null) return;
        foreach (var user in due) fire(user);
    }
}
