using Flux.Swarm.Users;

namespace Flux.Swarm.Tests.Unit;

/// <summary>
/// The shared heartbeat timer wheel: 100 ms slots, 512 of them (one turn is 51.2 s). An entry fires once, in the
/// tick of the slot it is due in (so up to one slot early, never later), and an entry due a turn or more ahead
/// waits for its round.
/// </summary>
public sealed class HeartbeatWheelTests : IDisposable
{
    private const int Slot = HeartbeatWheel.SlotMilliseconds;
    private const long Turn = 512L * Slot;

    private readonly List<DetachedStorm> _storms = [];
    private readonly HeartbeatWheel _wheel = new();
    private readonly Dictionary<SimulatedUser, List<long>> _fired = [];
    private long _now;

    public void Dispose()
    {
        foreach (var storm in _storms) storm.Dispose();
    }

    [Fact]
    public void An_entry_fires_once_in_its_slot_and_not_before()
    {
        var user = Users(1)[0];
        _wheel.Schedule(user, dueMs: 250);

        AdvanceTo(199);
        Assert.Empty(_fired);

        AdvanceTo(200); // the tick of slot 200–299
        Assert.Equal([200L], _fired[user]);

        AdvanceTo(5_000);
        Assert.Equal([200L], _fired[user]); // once only
    }

    [Fact]
    public void An_entry_due_in_a_later_round_waits_for_it()
    {
        var user = Users(1)[0];
        long due = Turn + 250; // the same slot as 250 ms, one turn later
        _wheel.Schedule(user, due);

        AdvanceTo(300);
        Assert.Empty(_fired); // its slot came round, but not its round

        AdvanceTo(Turn + 199);
        Assert.Empty(_fired);

        AdvanceTo(Turn + 200);
        Assert.Equal([Turn + 200], _fired[user]);
    }

    [Fact]
    public void An_entry_scheduled_in_the_past_fires_at_the_next_tick()
    {
        AdvanceTo(1_000);
        var user = Users(1)[0];
        _wheel.Schedule(user, dueMs: 400);

        AdvanceTo(1_099);
        Assert.Empty(_fired);

        AdvanceTo(1_100);
        Assert.Equal([1_100L], _fired[user]);
    }

    [Fact]
    public void Many_users_each_fire_once_in_the_slot_they_are_due()
    {
        var random = new Random(4);
        var users = Users(2_000);
        var due = new Dictionary<SimulatedUser, long>();
        foreach (var user in users)
        {
            due[user] = random.NextInt64(0, 2 * Turn + 5_000); // up to two turns ahead and more
            _wheel.Schedule(user, due[user]);
        }

        for (long t = 0; t <= 2 * Turn + 5_100; t += Slot) AdvanceTo(t);

        Assert.Equal(users.Length, _fired.Count);
        foreach (var (user, at) in _fired)
        {
            long slotStart = due[user] / Slot * Slot;
            Assert.Equal([slotStart], at);
        }
    }

    [Fact]
    public void Advancing_in_one_large_step_fires_everything_due_by_then_and_nothing_later()
    {
        var users = Users(300);
        for (int i = 0; i < users.Length; i++) _wheel.Schedule(users[i], dueMs: i * 1_000L); // 0 to 299 s

        AdvanceTo(149_999);

        Assert.Equal(users.Take(150), _fired.Keys.OrderBy(u => u.Index));
        AdvanceTo(400_000);
        Assert.Equal(300, _fired.Count);
        Assert.All(_fired.Values, at => Assert.Single(at));
    }

    private SimulatedUser[] Users(int count)
    {
        var storm = new DetachedStorm(count);
        _storms.Add(storm);
        return storm.Users;
    }

    private void AdvanceTo(long nowMs)
    {
        _now = nowMs;
        _wheel.Advance(nowMs, user =>
        {
            if (!_fired.TryGetValue(user, out var at)) _fired[user] = at = [];
            at.Add(_now);
        });
    }
}
