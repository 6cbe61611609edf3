namespace Flux.Gateway.Fanout;

/// <summary>
/// A guild's local members, in slots: joining and leaving cost O(1) amortised, and the fan-out reads the slots without
/// a lock and without allocating. Writers (<see cref="Add"/>, <see cref="Remove"/>) are serialised by the caller's lock.
/// <para>
/// A member keeps its slot until it leaves (the slot then holds null and is reused by the next join). So a reader
/// that walks the array sees each member at most once, and every member that was present for the whole walk exactly
/// once: members never move within an array. When the array is full it is copied to one twice the size, and when
/// fewer than a quarter of its slots are used it is compacted into a new, smaller one; both are published as a new
/// array, and a reader still walking the old one sees the membership as it was when it started (a member that left
/// meanwhile may get one more message, which its cursor or its closed queue discards).
/// </para>
/// </summary>
internal sealed class MemberSlots
{
    private const int MinimumCapacity = 8;

    private GuildMember?[] _slots = new GuildMember?[MinimumCapacity];
    private readonly Stack<int> _free = new();
    private int _used; // slots [0, _used) have been handed out; those in _free are empty
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>The current slots, for a lock-free walk: skip the nulls.</summary>
    public GuildMember?[] Snapshot => Volatile.Read(ref _slots);

    public void Add(GuildMember member)
    {
        int slot;
        if (_free.Count > 0)
        {
            slot = _free.Pop();
        }
        else
        {
            if (_used == _slots.Length) Publish(Grow(_slots, _used));
            slot = _used++;
        }
        member.Slot = slot;
        Volatile.Write(ref _slots[slot], member);
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Removes <paramref name="member"/> if it is here; false if it was not.</summary>
    public bool Remove(GuildMember member)
    {
        int slot = member.Slot;
        if ((uint)slot >= (uint)_used || !ReferenceEquals(_slots[slot], member)) return false;
        Volatile.Write(ref _slots[slot], null);
        member.Slot = -1;
        Volatile.Write(ref _count, _count - 1);
        if (_count < _slots.Length / 4 && _slots.Length > MinimumCapacity)
        {
            Compact();
        }
        else
        {
            _free.Push(slot);
        }
        return true;
    }

    /// <summary>Every current member, in slot order (allocates an enumerator: not for the fan-out's hot path).</summary>
    public IEnumerable<GuildMember> Members()
    {
        foreach (var member in Snapshot)
        {
            if (member is not null) yield return member;
        }
    }

    private static GuildMember?[] Grow(GuildMember?[] slots, int used)
    {
        var grown = new GuildMember?[slots.Length * 2];
        Array.Copy(slots, grown, used);
        return grown;
    }

    // Packs the members into the front of a new array twice the size they need; each takes its new slot.
    private void Compact()
    {
        var packed = new GuildMember?[Math.Max(MinimumCapacity, _count * 2)];
        int next = 0;
        for (int i = 0; i < _used; i++)
        {
            if (_slots[i] is not { } member) continue;
            member.Slot = next;
            packed[next++] = member;
        }
        _used = next;
        _free.Clear();
        Publish(packed);
    }

    private void Publish(GuildMember?[] slots) => Volatile.Write(ref _slots, slots);
}
