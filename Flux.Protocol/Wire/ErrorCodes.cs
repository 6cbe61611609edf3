namespace Flux.Protocol.Wire;

/// <summary>Codes of the non-fatal <c>error</c> frame; the connection stays open after each.</summary>
public static class ErrorCodes
{
    public const string ForbiddenGuild = "forbidden_guild";
    public const string BodyTooLong = "body_too_long";
    public const string InvalidField = "invalid_field";
    public const string Unavailable = "unavailable";
}
