using Flux.Testing;

namespace Flux.Gateway.Tests.Unit;

/// <summary>
/// The gateway's folders depend one way (docs/architecture.md): telemetry at the bottom; auth, limits, the backplane and
/// the shedder's decision above it; fan-out on the backplane; the connections (transport and session) on all of those;
/// the admin service on top. A new arrow (a <c>using</c>, or a type named in full) fails here.
/// </summary>
public sealed class GatewayFolderRulesTests
{
    /// <summary>Each folder and the folders it may use; docs/architecture.md shows the same table.</summary>
    internal static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Telemetry"] = [],
        ["Auth"] = ["Telemetry"],
        ["Limits"] = ["Telemetry"],
        ["Backplane"] = ["Telemetry"],
        ["Shedding"] = ["Telemetry"],
        ["Fanout"] = ["Backplane", "Telemetry"],
        ["Connections"] = ["Auth", "Limits", "Backplane", "Shedding", "Fanout", "Telemetry"],
        ["Admin"] = ["Connections", "Backplane", "Shedding", "Fanout", "Telemetry"],
    };

    private static readonly FolderRules Rules = new(typeof(GatewayApp).Assembly, "Flux.Gateway", Allowed);

    [Fact]
    public void Every_folder_uses_only_the_folders_its_rule_allows_and_the_rules_have_no_cycle()
    {
        Assert.Empty(Rules.Problems());
    }
}
