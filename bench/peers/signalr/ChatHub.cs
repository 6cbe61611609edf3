using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Flux.Peers.SignalR;

/// <summary>
/// Guild chat: <c>Join</c> adds the connection to the guild's group, <c>Send</c> broadcasts a <see cref="ChatMessage"/>
/// as <c>message</c> to the whole group, sender included. Only guilds listed in the token's <c>guilds</c> claim are allowed.
/// </summary>
[Authorize]
internal sealed class ChatHub : Hub
{
    public const string Path = "/hub";
    public const string Issuer = "flux";
    public const string Audience = "flux-gateway";
    public const string UserClaim = "sub";
    // JsonWebTokenHandler turns the JSON array "guilds" into one claim per element, all of this type.
    public const string GuildsClaim = "guilds";

    private const int MaxGuildChars = 128;
    private const int MaxNonceChars = 128;
    private const int MaxBodyChars = 4000;

    public async Task Join(string guild)
    {
        RequireMember(guild);
        await Groups.AddToGroupAsync(Context.ConnectionId, guild);
    }

    public async Task Send(string guild, string nonce, string body, long ts)
    {
        RequireMember(guild);
        if (string.IsNullOrEmpty(nonce) || nonce.Length > MaxNonceChars)
        {
            throw new HubException($"nonce must have 1 to {MaxNonceChars} characters");
        }
        if (body is null || body.Length > MaxBodyChars)
        {
            throw new HubException($"body must be a string of at most {MaxBodyChars} characters");
        }
        // Authentication refused tokens without 'sub' (Program.cs), so it is there.
        string user = Context.User!.FindFirst(UserClaim)!.Value;
        await Clients.Group(guild).SendAsync("message", new ChatMessage(guild, nonce, body, ts, user));
    }

    private void RequireMember(string guild)
    {
        if (string.IsNullOrEmpty(guild) || guild.Length > MaxGuildChars)
        {
            throw new HubException($"guild must have 1 to {MaxGuildChars} characters");
        }
        if (!Context.User!.FindAll(GuildsClaim).Any(claim => string.Equals(claim.Value, guild, StringComparison.Ordinal)))
        {
            throw new HubException($"not a member of guild {guild}");
        }
    }
}

/// <summary>A chat message as pushed to clients; SignalR's JSON protocol writes the names in camelCase.</summary>
internal sealed record ChatMessage(string Guild, string Nonce, string Body, long Ts, string User);
