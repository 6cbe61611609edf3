using System.Net.WebSockets;
using System.Text;
using Flux.Protocol.Wire;
using Flux.Testing;

namespace Flux.Gateway.Tests.Hardening;

/// <summary>
/// Every close is a close frame with its code, even to a client that is still sending, and
/// malformed WebSocket input (empty messages, invalid UTF-8, endless fragments) gets its documented code.
/// </summary>
public sealed class CloseFrameTests(RedisFixture fixture) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private static readonly string Body = new('x', 1900);

    private GatewayTestHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task A_client_still_sending_its_130_send_burst_receives_4008_not_a_reset_20_times_in_a_row()
    {
        string guild = RedisFixture.NewGuild();
        for (int run = 0; run < 20; run++)
        {
            // A new user each time: the send limit is per user.
            await using var client = await TestClient.IdentifyAsync(_gateway.WebSocketUri, TestKeys.Token($"burst-{run}-{Guid.NewGuid():N}", guild));
            // The whole burst of 2 KB sends goes out before the client reads anything, paced so that the gateway's
            // close (at the 121st send) comes while the client is still sending.
            for (int i = 0; i < 130; i++)
            {
                try
                {
                    await client.SendMessageAsync(guild, $"r{run}-{i}", Body);
                    await Task.Delay(1);
                }
                catch (WebSocketException)
                {
                    break;
                }
            }

            var (code, _, frames) = await client.ReceiveCloseAsync(TimeSpan.FromSeconds(20));
            Assert.True(code == CloseCodes.RateLimited, $"run {run}: closed with {code} after {frames.Count} frames, expected 4008");
        }
    }

    [Fact]
    public async Task An_empty_text_message_closes_with_4002()
    {
        await using var client = await TestClient.IdentifyAsync(_gateway.WebSocketUri, TestKeys.Token("empty", RedisFixture.NewGuild()));
        await client.SendFragmentAsync([], endOfMessage: true);
        // Were the empty message skipped, this heartbeat would be read in its place and acknowledged.
        await client.SendAsync(ClientFrameWriter.Heartbeat);

        var (code, _, frames) = await client.ReceiveCloseAsync();

        Assert.Equal(CloseCodes.Undecodable, code);
        Assert.DoesNotContain(frames, f => f.Op == ServerOp.HeartbeatAck);
    }

    [Fact]
    public async Task Invalid_utf8_closes_with_1007()
    {
        await using var client = await TestClient.ConnectAsync(_gateway.WebSocketUri);
        byte[] frame = [.. """{"op":"identify","token":"""u8, 0x22, 0xC3, 0x28, 0xFF, 0x22, .. "}"u8];
        await client.SendFragmentAsync(frame, endOfMessage: true);

        var (code, _, _) = await client.ReceiveCloseAsync();

        Assert.Equal(1007, code);
    }

    [Fact]
    public async Task A_message_in_more_fragments_than_allowed_closes_with_1009()
    {
        await using var client = await TestClient.ConnectAsync(_gateway.WebSocketUri);
        byte[] piece = Encoding.ASCII.GetBytes(" ");
        // A message that stays small in bytes but never ends: one byte per fragment.
        for (int i = 0; i < 200; i++)
        {
            try
            {
                await client.SendFragmentAsync(piece, endOfMessage: false);
            }
            catch (WebSocketException)
            {
                break;
            }
        }

        var (code, reason, _) = await client.ReceiveCloseAsync();

        Assert.Equal(CloseCodes.FrameTooLarge, code);
        Assert.Contains("fragments", reason);
    }
}
