using System.Security.Cryptography;
using System.Text;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Admin;
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
            if (context.Request.Path.StartsWithSegments(ServicePath, StringComparison.Ordinal) && !IsAdminConnection(context))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await next(context).ConfigureAwait(false);
        });

    private static bool IsAdminConnection(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(AdminEndpointMarker) == true;

    /// <summary>Refuses every call without the right key, with <c>UNAUTHENTICATED</c>.</summary>
    internal sealed class KeyInterceptor(IOptions<AdminOptions> options, ILogger<KeyInterceptor> logger) : Interceptor
    {
        private readonly byte[] _key = Encoding.UTF8.GetBytes(options.Value.Key ?? "");

        public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
            UnaryServerMethod<TRequest, TResponse> continuation)
        {
            Authenticate(context);
            return continuation(request, context);
        }

        private void Authenticate(ServerCallContext context)
        {
            string? presented = context.RequestHeaders.GetValue(AdminKey.HeaderName);
            bool valid = _key.Length > 0 && presented is not null
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key);
            if (valid) return;
            string reason = presented is null ? $"no {AdminKey.HeaderName} header" : "wrong admin key";
            Log.AdminRefused(logger, context.Method, reason);
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"GatewayAdmin needs the admin key in the {AdminKey.HeaderName} header"));
        }
    }
}
