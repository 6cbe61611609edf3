using Flux.Gateway.Auth;
using Flux.Gateway.Backplane;
using Flux.Gateway.Fanout;
using Flux.Gateway.Shedding;
using Flux.Gateway.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Connections;

/// <summary>The replica-wide services every connection uses, handed over in one piece.</summary>
internal sealed class GatewayServices(
    IOptions<GatewayOptions> options,
    RedisBackplane backplane,
    GuildDirectory guilds,
    TokenValidator tokens,
    ConnectionRegistry registry,
    LoadShedder shedder,
    GatewayMetrics metrics,
    GatewayCounters counters,
    TimeProvider time,
    ILogger<ClientConnection> logger)
{
    public GatewayOptions Options { get; } = options.Value;
    public RedisBackplane Backplane { get; } = backplane;
    public GuildDirectory Guilds { get; } = guilds;
    public TokenValidator Tokens { get; } = tokens;
    public ConnectionRegistry Registry { get; } = registry;
    public LoadShedder Shedder { get; } = shedder;
    public GatewayMetrics Metrics { get; } = metrics;
    public GatewayCounters Counters { get; } = counters;
    public TimeProvider Time { get; } = time;
    public ILogger Logger { get; } = logger;
}
