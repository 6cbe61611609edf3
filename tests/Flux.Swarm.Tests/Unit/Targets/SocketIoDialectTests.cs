using System.Text;
using System.Text.Json;
using Flux.Swarm.Targets;

namespace Flux.Swarm.Tests.Unit.Targets;

/// <summary>Socket.IO 4 on Engine.IO 4 as the swarm speaks it: open, namespace connect with auth, events, ping and pong.</summary>
public sealed class SocketIoDialectTests
{
    private readonly SocketIoDialect _dialect = new();

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Theory]
    [InlineData("ws://127.0.0.1:5320", "ws://127.0.0.1:5320/socket.io/?EIO=4&transport=websocket")]
    [InlineData("ws://127.0.0.1:5320/socket.io/?EIO=4&transport=websocket", "ws://127.0.0.1:5320/socket.io/?EIO=4&transport=websocket")]
    public void A_bare_host_gets_the_engine_io_websocket_path(string server, string expected)
    {
        Assert.Equal(expected, _dialect.ConnectUri(new Uri(server), "tok").ToString());
    }

    [Fact]
    public void The_server_speaks_first_and_the_client_needs_no_heartbeat_of_its_own()
    {
        Assert.Null(_dialect.Opening);
        Assert.Equal(0, _dialect.HeartbeatMs);
    }

    [Fact]
    public void The_open_packet_is_answered_with_a_namespace_connect_carrying_the_token()
    {
        var session = new RecordingSession(token: "a.b\"c");

        _dialect.Read(Bytes("0{\"sid\":\"abc\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"), session);

        string connect = Assert.Single(session.Replies);
        Assert.StartsWith("40", connect, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(connect[2..]);
        Assert.Equal("a.b\"c", document.RootElement.GetProperty("token").GetString());
    }

    [Fact]
    public void Connected_then_the_ready_event_makes_the_user_ready()
    {
        var session = new RecordingSession();

        _dialect.Read(Bytes("40{\"sid\":\"x\"}"), session);
        Assert.Equal(0, session.Readies);
        _dialect.Read(Bytes("42[\"ready\",{\"guilds\":[\"g-1\"]}]"), session);

        Assert.Equal(1, session.Readies);
    }

    [Fact]
    public void A_ping_is_answered_with_a_pong_at_once()
    {
        var session = new RecordingSession();

        _dialect.Read(Bytes("2"), session);

        Assert.Equal(["3"], session.Replies);
    }

    [Fact]
    public void A_send_is_the_send_event_with_guild_nonce_body_and_ts()
    {
        string frame = Encoding.UTF8.GetString(_dialect.Send("g-2", "77", "body", 5_000));

        Assert.StartsWith("42", frame, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(frame[2..]);
        var items = document.RootElement.EnumerateArray().ToArray();
        Assert.Equal("send", items[0].GetString());
        Assert.Equal(("g-2", "77", "body", 5_000L),
            (items[1].GetProperty("guild").GetString(), items[1].GetProperty("nonce").GetString(), items[1].GetProperty("body").GetString(), items[1].GetProperty("ts").GetInt64()));
    }

    [Fact]
    public void A_message_event_is_read_and_other_events_are_foreign()
    {
        var session = new RecordingSession();

        _dialect.Read(Bytes("42[\"message\",{\"guild\":\"g-1\",\"nonce\":\"12\",\"body\":\"x\",\"ts\":34,\"user\":\"u\"}]"), session);
        _dialect.Read(Bytes("42[\"typing\",{}]"), session);

        Assert.Equal(("g-1", 12L, 34L), Assert.Single(session.Messages));
        Assert.Equal(1, session.Foreigns);
    }

    [Fact]
    public void A_refused_send_names_its_nonce_and_reason()
    {
        var session = new RecordingSession();

        _dialect.Read(Bytes("42[\"error_frame\",{\"code\":\"not_member\",\"message\":\"not a member of g-9\",\"nonce\":\"5\"}]"), session);

        Assert.Equal(("5", "not_member: not a member of g-9"), Assert.Single(session.Refusals));
    }

    [Theory]
    [InlineData("44{\"message\":\"unauthorized: jwt expired\"}", "refused the connection: unauthorized: jwt expired")]
    [InlineData("41", "disconnected")]
    [InlineData("1", "closed")]
    [InlineData("42[\"message\",[1]]", "not an object")]
    [InlineData("42{}", "not [name")]
    [InlineData("9", "not one a server sends")]
    [InlineData("", "empty")]
    public void Refusals_and_broken_packets_end_the_connection_with_the_reason(string packet, string reason)
    {
        var ex = Assert.Throws<PeerProtocolException>(() => _dialect.Read(Bytes(packet), new RecordingSession()));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }
}
