using System.Text;
using System.Text.Json;
using Flux.Swarm.Targets;

namespace Flux.Swarm.Tests.Unit.Targets;

/// <summary>The SignalR JSON hub protocol as the swarm speaks it: records ended by 0x1E, handshake, join, sends, pushes.</summary>
public sealed class SignalRDialectTests
{
    private const char RS = '\u001e';
    private readonly SignalRDialect _dialect = new();

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void The_client_opens_with_the_json_protocol_handshake_and_pings_every_15_seconds()
    {
        Assert.Equal("{\"protocol\":\"json\",\"version\":1}" + RS, Encoding.UTF8.GetString(_dialect.Opening!));
        Assert.Equal("{\"type\":6}" + RS, Encoding.UTF8.GetString(_dialect.Heartbeat!));
        Assert.Equal(15_000, _dialect.HeartbeatMs);
    }

    [Theory]
    [InlineData("ws://127.0.0.1:5310", "ws://127.0.0.1:5310/hub?access_token=a.b-c")]
    [InlineData("ws://127.0.0.1:5310/chat", "ws://127.0.0.1:5310/chat?access_token=a.b-c")]
    [InlineData("ws://127.0.0.1:5310/hub?x=1", "ws://127.0.0.1:5310/hub?x=1&access_token=a.b-c")]
    public void The_token_goes_in_access_token_and_a_bare_host_gets_the_hub_path(string server, string expected)
    {
        Assert.Equal(expected, _dialect.ConnectUri(new Uri(server), "a.b-c").ToString());
    }

    [Fact]
    public void The_handshake_response_makes_the_client_join_its_guild_and_the_join_completion_makes_it_ready()
    {
        var session = new RecordingSession(guild: "g-7");

        _dialect.Read(Bytes("{}" + RS), session);
        Assert.Equal(0, session.Readies);
        var join = Assert.Single(session.Replies);
        Assert.EndsWith(RS.ToString(), join, StringComparison.Ordinal);
        using (var document = JsonDocument.Parse(join.TrimEnd(RS)))
        {
            var root = document.RootElement;
            Assert.Equal(1, root.GetProperty("type").GetInt32());
            Assert.Equal("j", root.GetProperty("invocationId").GetString());
            Assert.Equal("Join", root.GetProperty("target").GetString());
            Assert.Equal("g-7", Assert.Single(root.GetProperty("arguments").EnumerateArray()).GetString());
        }

        _dialect.Read(Bytes("{\"type\":3,\"invocationId\":\"j\",\"result\":null}" + RS), session);
        Assert.Equal(1, session.Readies);
    }

    [Fact]
    public void A_send_is_a_fire_and_forget_invocation_of_Send_with_guild_nonce_body_and_ts()
    {
        string frame = Encoding.UTF8.GetString(_dialect.Send("g-1", "42", "hi \"there\"", 1_234_567));

        Assert.EndsWith(RS.ToString(), frame, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(frame.TrimEnd(RS));
        var root = document.RootElement;
        Assert.Equal(1, root.GetProperty("type").GetInt32());
        Assert.False(root.TryGetProperty("invocationId", out _));
        Assert.Equal("Send", root.GetProperty("target").GetString());
        var args = root.GetProperty("arguments").EnumerateArray().ToArray();
        Assert.Equal(("g-1", "42", "hi \"there\"", 1_234_567L), (args[0].GetString(), args[1].GetString(), args[2].GetString(), args[3].GetInt64()));
    }

    [Fact]
    public void Several_records_in_one_websocket_message_are_each_read_in_any_field_order()
    {
        var session = new RecordingSession();
        string first = "{\"type\":1,\"target\":\"message\",\"arguments\":[{\"guild\":\"g-1\",\"nonce\":\"7\",\"body\":\"x\",\"ts\":99,\"user\":\"u1\"}]}";
        string argumentsFirst = "{\"arguments\":[{\"user\":\"u2\",\"ts\":100,\"nonce\":\"8\",\"guild\":\"g-1\",\"body\":\"y\"}],\"target\":\"message\",\"type\":1}";

        _dialect.Read(Bytes(first + RS + "{\"type\":6}" + RS + argumentsFirst + RS), session);

        Assert.Equal([("g-1", 7L, 99L), ("g-1", 8L, 100L)], session.Messages);
        Assert.Equal(0, session.Foreigns); // the ping is protocol, not chat
    }

    [Fact]
    public void A_nonce_that_is_not_a_number_is_passed_on_as_minus_one()
    {
        var session = new RecordingSession();

        _dialect.Read(Bytes("{\"type\":1,\"target\":\"message\",\"arguments\":[{\"guild\":\"g-1\",\"nonce\":\"abc\",\"ts\":5}]}" + RS), session);

        Assert.Equal(("g-1", -1L, 5L), Assert.Single(session.Messages));
    }

    [Fact]
    public void Other_targets_and_completions_are_foreign()
    {
        var session = new RecordingSession();

        _dialect.Read(Bytes("{\"type\":1,\"target\":\"typing\",\"arguments\":[]}" + RS + "{\"type\":3,\"invocationId\":\"9\"}" + RS), session);

        Assert.Equal(2, session.Foreigns);
        Assert.Empty(session.Messages);
    }

    [Theory]
    [InlineData("{\"type\":\"1\"}")]
    [InlineData("{\"type\":1.5}")]
    [InlineData("{\"type\":1,\"target\":\"message\",\"arguments\":[{\"guild\":\"g-1\",\"nonce\":{\"x\":1},\"ts\":[1]}]}")]
    public void A_type_that_is_not_an_integer_or_fields_of_the_wrong_shape_are_not_taken_for_anything_else(string record)
    {
        var session = new RecordingSession();

        _dialect.Read(Bytes(record + RS), session);

        Assert.Empty(session.Replies); // never mistaken for the handshake response
        Assert.Equal(0, session.Readies);
        Assert.All(session.Messages, m => Assert.Equal(("g-1", -1L, -1L), m));
    }

    [Theory]
    [InlineData("{\"error\":\"Requested protocol 'json' is not available.\"}", "refused the handshake: Requested protocol")]
    [InlineData("{\"type\":3,\"invocationId\":\"j\",\"error\":\"not a member of guild g-1\"}", "refused the join: not a member")]
    [InlineData("{\"type\":7,\"error\":\"Server timeout elapsed\"}", "closed the connection: Server timeout")]
    [InlineData("{\"type\":1,\"target\":\"message\",\"arguments\":[{\"nonce\":\"1\"}]}", "no guild")]
    [InlineData("not json", "not valid JSON")]
    public void Refusals_and_broken_records_end_the_connection_with_the_reason(string record, string reason)
    {
        var ex = Assert.Throws<PeerProtocolException>(() => _dialect.Read(Bytes(record + RS), new RecordingSession()));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_without_its_terminator_is_a_protocol_error()
    {
        Assert.Throws<PeerProtocolException>(() => _dialect.Read(Bytes("{}"), new RecordingSession()));
    }
}
