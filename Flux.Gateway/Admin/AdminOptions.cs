using System.ComponentModel.DataAnnotations;
using Flux.Protocol.Admin;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Admin;

/// <summary>The admin service's settings, bound from the <c>Admin</c> section (env <c>Admin__Key</c>).</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>
    /// The shared secret every GatewayAdmin call presents in the <c>x-flux-admin-key</c> header. Required whenever the
    /// admin endpoint (<c>GRPC_PORT</c>) is served; the gateway refuses to start without it.
    /// </summary>
    [MinLength(AdminKey.MinLength)]
    public string? Key { get; set; }
}

[OptionsValidator]
internal sealed partial class AdminOptionsValidator : IValidateOptions<AdminOptions>;
