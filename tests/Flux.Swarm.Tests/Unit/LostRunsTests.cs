using Flux.Protocol.Wire;
using Flux.Swarm.Storms;
using Flux.Swarm.Users;

namespace Flux.Swarm.Tests.Unit;

/// <summary>
/// The report's "where the lost deliveries were": each user's lost seqs as runs of consecutive seqs, the largest kept,
/// each with the user's connection ends nearest the first one's send time.
/// </summary>
public sealed class LostRunsTests
{
    private const long Second = 1_000_000;

    [Fact]
    public void Consecutive_seqs_of_one_user_are_one_run_and_a_hole_or_another_user_starts_the_next()
    {
        var runs = new LostRuns();
        foreach (long seq in new long[] { 10, 11, 12, 20 }) runs.Add("u1", [], "g0", seq, seq / 10.0);
        runs.Add("u2", [], "g0", 21, 2.1); // follows u1's 20, but another user's stream

        var largest = runs.Largest();

        Assert.Equal([("u1", 10L, 12L), ("u1", 20L, 20L), ("u2", 21L, 21L)], largest.Select(r => (r.User, r.FirstSeq, r.LastSeq)));
        Assert.Equal(1.0, largest[0].SentAtS);
    }

    [Fact]
    public void Only_the_largest_runs_are_kept_the_earliest_first_among_equals()
    {
        var runs = new LostRuns();
        for (int user = 0; user < 30; user++)
        {
            // User n loses n + 1 seqs in a row, sent at 100 - n s; users 28 and 29 lose as many as user 27, earlier.
            int length = Math.Min(user, 27) + 1;
            for (int seq = 1; seq <= length; seq++) runs.Add($"u{user}", [], "g0", seq, 100 - user);
        }

        var largest = runs.Largest();

        Assert.Equal(LostRuns.Kept, largest.Count);
        Assert.Equal(["u29", "u28", "u27", "u26"], largest.Take(4).Select(r => r.User));
        Assert.Equal(28, largest[0].LastSeq - largest[0].FirstSeq + 1);
        Assert.DoesNotContain(largest, r => r.User == "u9"); // 10 seqs: below the 20 largest
    }

    [Fact]
    public void A_run_names_the_users_connection_ends_nearest_its_send_time()
    {
        var ends = new List<ConnectionEnd>
        {
            new(5 * Second, -1),                       // dropped, no fault
            new(50 * Second, 0, CloseCodes.Shed),      // shed by the surge (fault 0)
            new(52 * Second, -1, CloseCodes.Draining),
            new(90 * Second, -1, CloseCodes.Draining),
        };
        var runs = new LostRuns();
        runs.Add("u1", ends, "g3", 7, 51.5);

        var run = Assert.Single(runs.Largest());

        Assert.Equal("g3", run.Guild);
        Assert.Equal(["52.0 s close 1001", "50.0 s close 1013, fault 0", "90.0 s close 1001"], run.Ends); // nearest first
    }

    [Fact]
    public void Shards_runs_merge_into_the_largest_of_them_all()
    {
        var shard0 = new LostRuns();
        var shard1 = new LostRuns();
        for (int i = 0; i < 20; i++) shard0.Add($"a{i}", [], "g0", 1, 1);
        for (long seq = 1; seq <= 5; seq++) shard1.Add("b0", [], "g1", seq, 2);

        var merged = LostRuns.Merge(shard0.Largest().Concat(shard1.Largest()));

        Assert.Equal(LostRuns.Kept, merged.Count);
        Assert.Equal("b0", merged[0].User);
    }
}
