using System.Net.WebSockets;

namespace Flux.Swarm.Cli;

/// <summary>Checks, before a storm, that a gateway accepts a WebSocket and says hello.</summary>
internal static class GatewayProbe
{
    /// <summary>Null when the gateway answered; otherwise why not.</summary>
    public static async Task<string?> CheckAsync(Uri gateway, TimeSpan timeout)
    {
        using var socket = new ClientWebSocket();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(gateway, cts.Token).ConfigureAwait(false);
            var buffer = new byte[1024];
            var result = await socket.ReceiveAsync(buffer, cts.Token).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close) return $"closed at once ({socket.CloseStatus})";
            string text = System.Text.Encoding.UTF8.GetString(buffer, 0, result.Count);
            if (!text.Contains("\"hello\"", StringComparison.Ordinal)) return $"did not say hello (said '{text}')";
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "probe", cts.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or HttpRequestException or IOException)
        {
            return ex is OperationCanceledException ? $"no hello within {timeout.TotalSeconds:0} s" : ex.Message;
        }
    }
}
