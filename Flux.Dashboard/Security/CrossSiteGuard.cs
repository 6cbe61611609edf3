using System.Security.Cryptography;
using System.Text;

namespace Flux.Dashboard.Security;

/// <summary>
/// Who may change something through the dashboard. A storm can kill a gateway and restart Redis, so a page on another
/// site must not be able to start one through a developer's browser:
/// <list type="bullet">
/// <item>A request that changes something (any method but GET, HEAD and OPTIONS) or opens a WebSocket (the page's
/// interactive circuit) is refused with 403 when the browser says it comes from another site: an <c>Origin</c> whose
/// host and port are not this request's, or <c>Sec-Fetch-Site: cross-site</c>. Scripts (curl) send neither.</item>
/// <item><c>AllowedHosts</c> (appsettings.json) holds the loopback names only, so a DNS-rebound name is refused (400).</item>
/// <item>With <c>Dashboard:Key</c> set (it must be, to listen off loopback: see <see cref="DashboardExposure"/>), every
/// request must carry it: the <c>x-flux-dashboard-key</c> header, or the cookie a first visit with <c>?key=</c> sets.</item>
/// </list>
/// The storm API itself takes JSON only (<c>StormApi</c>), which no cross-site form can send and no cross-site script
/// can send without a CORS preflight the dashboard never answers.
/// </summary>
internal static class CrossSiteGuard
{
    public const string KeyHeader = "x-flux-dashboard-key";
    public const string KeyCookie = "flux-dashboard-key";

    public static IApplicationBuilder UseCrossSiteGuard(this IApplicationBuilder app, string? key) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (!string.IsNullOrEmpty(key) && !HasKey(context, key))
            {
                if (HttpMethods.IsGet(request.Method) && request.Query.TryGetValue("key", out var offered) && Matches(offered.ToString(), key))
                {
                    // The link the AppHost prints: remember the key in a cookie this site alone sends, and drop it from the URL.
                    context.Response.Cookies.Append(KeyCookie, key, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, IsEssential = true });
                    context.Response.Redirect(request.PathBase + request.Path);
                    return;
                }
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsync("This dashboard needs its key: open the link with ?key=... that the AppHost gave, or send the x-flux-dashboard-key header.")
                    .ConfigureAwait(false);
                return;
            }
            bool changes = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method));
            if ((changes || context.WebSockets.IsWebSocketRequest) && IsCrossSite(request))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync("Refused: a request from another site may not change anything here.").ConfigureAwait(false);
                return;
            }
            await next(context).ConfigureAwait(false);
        });

    /// <summary>Whether the browser says the request comes from another site than this one.</summary>
    internal static bool IsCrossSite(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"] is [var site] && string.Equals(site, "cross-site", StringComparison.OrdinalIgnoreCase)) return true;
        if (request.Headers.Origin is not [var origin] || string.IsNullOrEmpty(origin)) return false;
        // "null" (a sandboxed or file page) is never this site.
        return !Uri.TryCreate(origin, UriKind.Absolute, out var from) || !string.Equals(from.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private static bool HasKey(HttpContext context, string key) =>
        Matches(context.Request.Headers[KeyHeader].ToString(), key) || Matches(context.Request.Cookies[KeyCookie], key);

    private static bool Matches(string? presented, string key) =>
        !string.IsNullOrEmpty(presented) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(key));
}
