using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Flux.Gateway.Connections;

/// <summary>
/// The lean upgrade path: a Kestrel connection middleware that takes a WebSocket upgrade to <c>/gateway</c> straight
/// off a new connection. It reads the request head itself, answers <c>101</c> (or the refusal docs/protocol.md lists)
/// and runs the session on the connection's own transport pipes. A connection then carries no HTTP request, headers,
/// HttpContext, request pipes or request span for its whole life: that was most of an idle connection's memory.
/// <para>
/// Anything else (<c>/health</c>, an upgrade after another request on the same connection, TLS it cannot read, HTTP/2)
/// goes on to Kestrel's HTTP layer untouched: the parser only peeks, and consumes nothing it does not take.
/// </para>
/// </summary>
internal sealed class GatewayListener(GatewayServices services, DrainCoordinator drain, ILogger<GatewayListener> logger)
{
    /// <summary>Adds the gateway to every HTTP/1.1 endpoint of the replica (the admin endpoint speaks HTTP/2 only).</summary>
    public static void UseOn(ListenOptions listen, IServiceProvider provider) => listen.Use(next => connection =>
        listen.Protocols.HasFlag(HttpProtocols.Http1)
            ? provider.GetRequiredService<GatewayListener>().OnConnectedAsync(connection, next)
            : next(connection));

    public async Task OnConnectedAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        // The handshake runs in its own method: what it read (the request head, its timeout) is garbage by the time
        // the session starts, instead of living in this method's state for the connection's whole life.
        var channel = await HandshakeAsync(connection, next).ConfigureAwait(false);
        if (channel is null) return;
        try
        {
            await new ClientSession(channel, services).RunAsync().ConfigureAwait(false);
        }
        finally
        {
            services.Registry.ReleaseSlot();
        }
    }

    // Returns the upgraded connection, or null when the connection was refused or handed on to Kestrel's HTTP layer.
    private async Task<ClientChannel?> HandshakeAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var input = connection.Transport.Input;
        HandshakeRequest request;
        // A client gets as long for its request head as Kestrel would give it (RequestHeadersTimeout).
        using (var timeout = new CancellationTokenSource(services.Options.HandshakeTimeoutMs))
        {
            try
            {
                while (true)
                {
                    var read = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                    var buffer = read.Buffer;
                    var status = RequestHeadParser.TryParse(buffer, out var parsed, out var end);
                    if (status == RequestHeadParser.Status.Gateway)
                    {
                        input.AdvanceTo(end);
                        request = parsed!;
                        break;
                    }
                    if (status == RequestHeadParser.Status.NotOurs || read.IsCompleted)
                    {
                        // Nothing consumed, nothing examined: Kestrel reads the same bytes again.
                        input.AdvanceTo(buffer.Start);
                        await next(connection).ConfigureAwait(false);
                        return null;
                    }
                    input.AdvanceTo(buffer.Start, buffer.End);
                }
            }
            catch (OperationCanceledException)
            {
                connection.Abort(new ConnectionAbortedException("no request head within the handshake timeout"));
                return null;
            }
        }

        if (!WebSocketHandshake.IsGatewayUpgrade(request))
        {
            // A plain GET /gateway: answered with the HTTP layer's words (the head is consumed, so it is answered here).
            await RefuseAsync(connection, HandshakeAnswer.Refuse(400, "This endpoint accepts WebSocket upgrades only: GET /gateway?v=1")).ConfigureAwait(false);
            return null;
        }
        int? max = services.Options.Limits.MaxConnections;
        bool slot = services.Registry.TryTakeSlot(max);
        var answer = WebSocketHandshake.Answer(request, drain.IsDraining, atCapacity: !slot, max);
        if (!answer.Accepted)
        {
            if (slot) services.Registry.ReleaseSlot();
            await RefuseAsync(connection, answer).ConfigureAwait(false);
            return null;
        }
        try
        {
            await connection.Transport.Output.WriteAsync(WebSocketHandshake.SwitchingProtocols(answer.AcceptKey!)).ConfigureAwait(false);
        }
        catch
        {
            services.Registry.ReleaseSlot();
            throw;
        }
        var remote = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        return new ClientChannel(input, connection.Transport.Output, remote, connection.Abort);
    }

    private async Task RefuseAsync(ConnectionContext connection, HandshakeAnswer answer)
    {
        logger.LogDebug("Upgrade refused with {Status}: {Reason}", answer.Status, answer.Message);
        await connection.Transport.Output.WriteAsync(WebSocketHandshake.RefusalResponse(answer)).ConfigureAwait(false);
        await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
        await connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
    }
}
