using Flux.Gateway.Fanout;

namespace Flux.Gateway.Connections;

/// <summary>
/// A small locked ring of frames that holds no array while idle. Frames usually leave as soon as they arrive
/// (the writer is inline), so most connections never grow it past a few slots; a burst (a replay) grows it, and it
/// is given back once drained, and the few slots too once the connection has been quiet (the sweeper trims it every
/// second). A ConcurrentQueue would pin a 32-slot segment (over 1 KB) to every idle connection.
/// </summary>
internal sealed class FrameRing
{
    private const int InitialCapacity = 4;
    private const int KeepCapacity = 16;

    private readonly Lock _gate = new();
    private OutboundFrame[]? _slots;
    private int _head;
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Enqueue(in OutboundFrame frame)
    {
        lock (_gate)
        {
            if (_slots is null || _count == _slots.Length) Grow();
            _slots![(_head + _count) % _slots.Length] = frame;
            Volatile.Write(ref _count, _count + 1);
        }
    }

    public bool TryDequeue(out OutboundFrame frame)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                frame = default;
                return false;
            }
            frame = _slots![_head];
            _slots[_head] = default; // do not keep the frame's bytes alive
            _head = (_head + 1) % _slots.Length;
            Volatile.Write(ref _count, _count - 1);
            if (_count == 0)
            {
                _head = 0;
                if (_slots.Length > KeepCapacity) _slots = null;
            }
            return true;
        }
    }

    /// <summary>Gives the slots back while the ring is empty (an idle connection then holds no array at all).</summary>
    public void TrimIfEmpty()
    {
        lock (_gate)
        {
            if (_count == 0) _slots = null;
        }
    }

    private void Grow()
    {
        var larger = new OutboundFrame[_slots is null ? InitialCapacity : _slots.Length * 2];
        for (int i = 0; i < _count; i++) larger[i] = _slots![(_head + i) % _slots.Length];
        _slots = larger;
        _head = 0;
    }
}
