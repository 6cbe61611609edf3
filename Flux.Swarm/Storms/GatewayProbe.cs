using System.Net.WebSockets;
using Flux.Protocol.Wire;

namespace Flux.Swarm.Storms;

/// <summary>What a gateway said when probed: its hello (and the limits in it), or why it could not be reached.</summary>
internal sealed record ProbeResult(GatewayLimits? Limits, int HeartbeatMs, string? Problem)
{
    public bool Reached => Problem is null;
}

/// <summary>Checks, before a storm, that a gateway accepts a WebSocket and says hello, and reads the limits it advertises.</summary>
internal static class GatewayProbe
{
    /// <summary>
    /// Probes a target of any kind: Flux's gateway must say hello; a peer (whose upgrade needs a token and whose first
    /// words differ) must accept a TCP connection on its port.
    /// </summary>
    public static Task<ProbeResult> ProbeAsync(Uri gateway, TimeSpan timeout, Flux.Protocol.Storms.TargetKind target) =>
        target == Flux.Protocol.Storms.TargetKind.Flux ? ProbeAsync(gateway, timeout) : ProbeTcpAsync(gateway, timeout);

    private static async Task<ProbeResult> ProbeTcpAsync(Uri server, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(server.Host, server.Port, cts.Token).ConfigureAwait(false);
            return new ProbeResult(null, 0, null);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return new ProbeResult(null, 0, ex is OperationCanceledException ? $"no connection within {timeout.TotalSeconds:0} s" : ex.Message);
        }
    }

    public static async Task<ProbeResult> ProbeAsync(Uri gateway, TimeSpan timeout)
    {
        using var socket = new ClientWebSocket();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(gateway, cts.Token).ConfigureAwait(false);
            var buffer = new byte[4096];
            var result = await socket.ReceiveAsync(buffer, cts.Token).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close) return new ProbeResult(null, 0, $"closed at once ({socket.CloseStatus})");
            ServerFrame hello;
            try
            {
                hello = ServerFrameReader.Read(buffer.AsSpan(0, result.Count));
            }
            catch (System.Text.Json.JsonException)
            {
                return new ProbeResult(null, 0, $"did not say hello (said '{System.Text.Encoding.UTF8.GetString(buffer, 0, result.Count)}')");
            }
            if (hello.Op != ServerOp.Hello) return new ProbeResult(null, 0, $"did not say hello (said {hello.Op})");
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "probe", cts.Token).ConfigureAwait(false);
            return new ProbeResult(hello.Limits, hello.HeartbeatMs, null);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or HttpRequestException or IOException)
        {
            return new ProbeResult(null, 0, ex is OperationCanceledException ? $"no hello within {timeout.TotalSeconds:0} s" : ex.Message);
        }
    }
}
