using Flux.Testing;

namespace Flux.Swarm.Tests.Unit;

/// <summary>
/// The swarm's folders depend one way (docs/architecture.md): measurement at the bottom, then what a run shares, the
/// users, the faults and the distributed exchange, then the storms that use them all, then the CLI and the gRPC
/// services on top. A new arrow (a <c>using</c>, or a type named in full) fails here, not months later in a review.
/// </summary>
public sealed class SwarmFolderRulesTests
{
    /// <summary>Each folder and the folders it may use; docs/architecture.md shows the same table.</summary>
    internal static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Measurement"] = [],
        ["Targets"] = [],
        ["Reporting"] = [],
        ["Telemetry"] = ["Measurement"],
        ["Verdicts"] = ["Measurement"],
        ["Runs"] = ["Measurement", "Telemetry", "Targets"],
        ["Users"] = ["Runs", "Measurement", "Telemetry", "Targets"],
        ["Faults"] = ["Users", "Runs", "Measurement", "Telemetry"],
        ["Distributed"] = ["Runs", "Measurement", "Telemetry"],
        ["Storms"] = ["Faults", "Users", "Distributed", "Verdicts", "Reporting", "Runs", "Measurement", "Telemetry"],
        ["Visitors"] = ["Storms", "Runs"],
        ["Control"] = ["Storms", "Visitors", "Distributed", "Runs", "Measurement", "Telemetry"],
        ["Cli"] = ["Storms", "Reporting", "Runs", "Telemetry"],
    };

    private static readonly FolderRules Rules = new(typeof(SwarmApp).Assembly, "Flux.Swarm", Allowed);

    [Fact]
    public void Every_folder_uses_only_the_folders_its_rule_allows_and_the_rules_have_no_cycle()
    {
        Assert.Empty(Rules.Problems());
    }
}
