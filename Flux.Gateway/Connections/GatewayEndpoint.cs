using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Flux.Gateway.Connections;

/// <summary>
/// <c>GET /gateway?v=1</c> through Kestrel's HTTP layer: what <see cref="GatewayListener"/> did not take off the
/// connection itself. That is a request that is not an upgrade (answered 400), an upgrade on a connection that already
/// carried another request, or one behind TLS the listener cannot read. The handshake's answers are the same.
/// </summary>
internal static class GatewayEndpoint
{
    /// <summary>Pooled buffers of this size carry frames in and out; none is held while the connection is idle.</summary>
    private const int BufferBytes = 4096;

    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder endpoints)
    {
        endpoints.Map(WebSocketHandshake.Path, AcceptAsync);
        return endpoints;
    }

    private static async Task AcceptAsync(HttpContext context, GatewayServices services, DrainCoordinator drain)
    {
        var headers = context.Request.Headers;
        var request = new HandshakeRequest(context.Request.Method, context.Request.Path, context.Request.Protocol,
            context.Request.Query.TryGetValue("v", out var v) ? v.ToString() : null,
            headers.Upgrade, headers.Connection, headers[HeaderNames.SecWebSocketVersion], headers[HeaderNames.SecWebSocketKey]);
        if (!WebSocketHandshake.IsGatewayUpgrade(request))
        {
            await RefuseAsync(context, HandshakeAnswer.Refuse(400, "This endpoint accepts WebSocket upgrades only: GET /gateway?v=1")).ConfigureAwait(false);
            return;
        }
        // Kestrel lets a request upgrade only within its limit on upgraded connections (Gateway:Limits:MaxConnections).
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var answer = WebSocketHandshake.Answer(request, drain.IsDraining, atCapacity: upgrade is not { IsUpgradableRequest: true },
            services.Options.Limits.MaxConnections);
        if (!answer.Accepted)
        {
            await RefuseAsync(context, answer).ConfigureAwait(false);
            return;
        }

        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers[HeaderNames.SecWebSocketAccept] = answer.AcceptKey;
        var stream = await upgrade!.UpgradeAsync().ConfigureAwait(false);
        // The request's span would live as long as the connection; messages are traced on their own instead.
        System.Diagnostics.Activity.Current = null;
        var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: BufferBytes, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true));
        var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: BufferBytes, leaveOpen: true));
        var channel = new ClientChannel(input, output, context.Connection.RemoteIpAddress, context.Abort);
        await new ClientSession(channel, services).RunAsync().ConfigureAwait(false);
    }

    private static Task RefuseAsync(HttpContext context, HandshakeAnswer answer)
    {
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (answer.RetryAfter) context.Response.Headers.RetryAfter = "1";
        if (answer.VersionHeader) context.Response.Headers[HeaderNames.SecWebSocketVersion] = "13";
        return context.Response.WriteAsync(answer.Message);
    }
}
