using Flux.Gateway.Telemetry;
using Flux.Protocol.Admin;
using Flux.Protocol.Security;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Admin;

/// <summary>
/// Who may call GatewayAdmin: only connections that arrived on the admin endpoint (<c>GRPC_PORT</c>), and only with
/// the shared admin key. On the client endpoint the service does not exist (404, <c>UNIMPLEMENTED</c> to a gRPC
/// client), over plain HTTP or TLS, whatever Host header the request claims.
/// </summary>
internal static class AdminAccess
{
    /// <summary>Set on every connection Kestrel accepts on the admin endpoint.</summary>
    private static readonly object AdminEndpointMarker = new();

    private static readonly PathString ServicePath = "/" + GatewayAdmin.Descriptor.FullName;

    /// <summary>Kestrel connection middleware for the admin endpoint: marks its connections.</summary>
    public static void MarkConnections(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen) =>
        listen.Use(next => context =>
        {
            context.Items[AdminEndpointMarker] = true;
            return next(context);
        });

    /// <summary>Answers 404 to admin calls that did not come through the admin endpoint.</summary>
    public static IApplicationBuilder UseAdminEndpointOnly(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            // Routing matches gRPC paths without regard to case: so must this, or /FLUX.ADMIN.V1.GATEWAYADMIN/... slips by.
            if (context.Request.Path.StartsWithSegments(ServicePath, StringComparison.OrdinalIgnoreCase) && !IsAdminConnection(context))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await next(context).ConfigureAwait(false);
        });

    private static bool IsAdminConnection(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(AdminEndpointMarker) == true;

    /// <summary>
    /// Refuses every call without the right key, with <c>UNAUTHENTICATED</c>: unary and streaming handlers alike, so a
    /// method added later cannot slip past it.
    /// </summary>
    internal sealed class KeyInterceptor(IOptions<AdminOptions> options, ILogger<KeyInterceptor> logger) : ServiceKeyCheck(ServiceKey.Admin, options.Value.Key)
    {
        protected override void Refused(string method, string reason) => Log.AdminRefused(logger, method, reason);
    }
}
