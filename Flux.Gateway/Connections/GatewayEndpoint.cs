using Flux.Gateway.Admin;

namespace Flux.Gateway.Connections;

/// <summary>The WebSocket endpoint: <c>GET /gateway?v=1</c> (docs/protocol.md).</summary>
internal static class GatewayEndpoint
{
    public const string Path = "/gateway";

    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder endpoints)
    {
        endpoints.Map(Path, AcceptAsync);
        return endpoints;
    }

    private static async Task AcceptAsync(HttpContext context, GatewayServices services, DrainCoordinator drain)
    {
        if (!WebSocketUpgrade.IsWebSocketRequest(context))
        {
            await Reject(context, StatusCodes.Status400BadRequest, "This endpoint accepts WebSocket upgrades only: GET /gateway?v=1").ConfigureAwait(false);
            return;
        }
        string? version = context.Request.Query["v"];
        if (version is not (null or "1"))
        {
            await Reject(context, StatusCodes.Status400BadRequest, $"Unsupported protocol version '{version}'; this gateway speaks v=1").ConfigureAwait(false);
            return;
        }
        if (drain.IsDraining)
        {
            context.Response.Headers.RetryAfter = "1";
            await Reject(context, StatusCodes.Status503ServiceUnavailable, "Draining; connect to another replica").ConfigureAwait(false);
            return;
        }

        if (WebSocketUpgrade.Check(context) is { } refusal)
        {
            await Reject(context, refusal.Status, refusal.Message).ConfigureAwait(false);
            return;
        }

        // The protocol has its own heartbeats: the gateway sends no WebSocket pings (it answers the client's).
        var (input, output) = await WebSocketUpgrade.AcceptAsync(context).ConfigureAwait(false);
        // The request's span would live as long as the connection, and Redis calls made under it would be profiled
        // against it for just as long (memory held per idle connection); messages are traced on their own instead.
        System.Diagnostics.Activity.Current = null;
        var session = new ClientSession(context, input, output, services);
        await session.RunAsync().ConfigureAwait(false);
    }

    private static Task Reject(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message);
    }
}
