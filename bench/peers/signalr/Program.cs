// A plain SignalR chat hub scaled out with the Redis backplane, set up as the ASP.NET Core docs show.
// Environment: Auth__SigningKey (base64 HS256 key), Redis (host:port, default 127.0.0.1:6379), PORT (default 5310).
using Flux.Peers.SignalR;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.IdentityModel.Tokens;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);

string port = builder.Configuration["PORT"] ?? "5310";
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");

string redis = builder.Configuration["Redis"] ?? "127.0.0.1:6379";
byte[] signingKey = ReadSigningKey(builder.Configuration["Auth:SigningKey"]);

builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
    .AddJwtBearer(options =>
    {
        // Keep 'sub' and 'guilds' under their JWT names instead of the WS-* claim types.
        options.MapInboundClaims = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = ChatHub.Issuer,
            ValidAudience = ChatHub.Audience,
            IssuerSigningKey = new SymmetricSecurityKey(signingKey),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.FromSeconds(60),
        };
        options.Events = new JwtBearerEvents
        {
            // Browsers cannot set headers on a WebSocket, so SignalR clients send the token in the query string.
            OnMessageReceived = context =>
            {
                string? token = context.Request.Query["access_token"];
                if (!string.IsNullOrEmpty(token) && context.HttpContext.Request.Path.StartsWithSegments(ChatHub.Path))
                {
                    context.Token = token;
                }
                return Task.CompletedTask;
            },
            // The hub names the sender by 'sub', so a token without one is refused here (401) rather than in the hub.
            OnTokenValidated = context =>
            {
                if (string.IsNullOrEmpty(context.Principal?.FindFirst(ChatHub.UserClaim)?.Value))
                {
                    context.Fail("token has no 'sub'");
                }
                return Task.CompletedTask;
            },
        };
    });
builder.Services.AddAuthorization();

builder.Services.AddSignalR()
    .AddStackExchangeRedis(redis, options => options.Configuration.ChannelPrefix = RedisChannel.Literal("flux-peer-signalr"));

var app = builder.Build();

app.UseAuthentication();
app.UseAuthorization();

app.MapGet("/health", () => "ok").AllowAnonymous();
app.MapHub<ChatHub>(ChatHub.Path, options => options.Transports = HttpTransportType.WebSockets);

app.Run();

static byte[] ReadSigningKey(string? base64)
{
    const string Hint = "set Auth__SigningKey to base64 of at least 32 random bytes";
    if (string.IsNullOrWhiteSpace(base64))
    {
        throw new InvalidOperationException($"No token signing key: {Hint}.");
    }
    try
    {
        byte[] key = Convert.FromBase64String(base64);
        return key.Length >= 32 ? key : throw new InvalidOperationException($"The token signing key has {key.Length} bytes: {Hint}.");
    }
    catch (FormatException)
    {
        throw new InvalidOperationException($"The token signing key is not base64: {Hint}.");
    }
}
