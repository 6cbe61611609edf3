using System.Net;

namespace Flux.Dashboard.Security;

/// <summary>
/// The dashboard listens on loopback only, unless it is told otherwise and given a key: a URL that binds another
/// address (<c>0.0.0.0</c>, <c>*</c>, <c>+</c>, a LAN address, <c>HTTP_PORTS</c>) needs <c>Dashboard:Key</c> (the AppHost
/// passes its secret parameter <c>dashboard-key</c> when <c>Flux:Dashboard:Expose</c> is true), or the dashboard refuses
/// to start.
/// </summary>
internal static class DashboardExposure
{
    /// <summary>Why the dashboard must not start as configured, or null.</summary>
    public static string? Refusal(IConfiguration configuration, string? key)
    {
        if (!string.IsNullOrEmpty(key)) return null;
        var exposed = ListenUrls(configuration).Where(url => !IsLoopback(url)).ToList();
        return exposed.Count == 0 ? null
            : $"the dashboard would listen on {string.Join(", ", exposed)}, off this machine's loopback, without a key: set Dashboard:Key " +
              "(env Dashboard__Key; the AppHost does it with Flux:Dashboard:Expose=true), or listen on localhost only";
    }

    private static IEnumerable<string> ListenUrls(IConfiguration configuration)
    {
        foreach (string key in new[] { "urls", "ASPNETCORE_URLS", "URLS" })
        {
            foreach (string url in (configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) yield return url;
        }
        // HTTP_PORTS and HTTPS_PORTS bind every address.
        foreach (string key in new[] { "HTTP_PORTS", "HTTPS_PORTS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS" })
        {
            foreach (string port in (configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) yield return $"http://*:{port}";
        }
    }

    private static bool IsLoopback(string url)
    {
        // Kestrel's wildcards are not valid URI hosts: they bind every address.
        string host = url.Split("://", 2)[^1].Split('/')[0];
        host = host.StartsWith('[') ? host[..(host.IndexOf(']') + 1)] : host.Split(':')[0];
        if (host is "*" or "+" or "") return false;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}
