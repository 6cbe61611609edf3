namespace Flux.Dashboard;

/// <summary>Settings of the dashboard, bound from the <c>Dashboard</c> configuration section.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>
    /// The key every request must carry when it is set (see <c>Security/CrossSiteGuard</c>); required to listen off
    /// loopback. Env <c>Dashboard__Key</c>; the AppHost's secret parameter <c>dashboard-key</c> with <c>Flux:Dashboard:Expose</c>.
    /// </summary>
    public const string KeyConfigKey = "Dashboard:Key";

    /// <summary>The swarm's gRPC address; by default found through service discovery (<c>http://_grpc.swarm</c>).</summary>
    public string SwarmAddress { get; set; } = "http://_grpc.swarm";

    /// <summary>Gateway resource names (the AppHost sets them); each is polled for its stats over gRPC.</summary>
    public List<string> Gateways { get; set; } = [];

    /// <summary>
    /// The Aspire dashboard's base URL (the AppHost sets it). When set, a latency spike whose delivery was traced links to
    /// its trace there, at <c>{AspireUrl}/traces/detail/{traceId}</c>.
    /// </summary>
    public string? AspireUrl { get; set; }

    /// <summary>How many past storms the history shows.</summary>
    public int HistoryLimit { get; set; } = 30;
}
