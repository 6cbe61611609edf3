using Flux.Gateway.Auth;
using Flux.Gateway.Backplane;
using Flux.Gateway.Fanout;
using Flux.Gateway.Limits;
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
    ClientLimits limits,
    LoadShedder shedder,
    GatewayMetrics metrics,
    TimeProvider time,
    ILogger<ClientSession> logger)
{
    public GatewayOptions Options { get; } = options.Value;
    public RedisBackplane Backplane { get; } = backplane;
    public GuildDirectory Guilds { get; } = guilds;
    public TokenValidator Tokens { get; } = tokens;
    public ConnectionRegistry Registry { get; } = registry;
    public ClientLimits Limits { get; } = limits;
    public LoadShedder Shedder { get; } = shedder;
    public GatewayMetrics Metrics { get; } = metrics;
    public TimeProvider Time { get; } = time;
    public ILogger Logger { get; } = logger;
}
