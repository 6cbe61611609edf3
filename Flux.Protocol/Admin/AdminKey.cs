using Flux.Protocol.Security;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Flux.Protocol.Admin;

/// <summary>
/// The shared secret that every GatewayAdmin call must present, in the <c>x-flux-admin-key</c> header. The gateways,
/// the swarm and the dashboard read it from <c>Admin:Key</c> (env <c>Admin__Key</c>; the Aspire secret parameter
/// <c>admin-key</c>). It is <see cref="ServiceKey.Admin"/>, named for the places that know it by this name.
/// </summary>
public static class AdminKey
{
    public const string HeaderName = "x-flux-admin-key";

    public const string ConfigKey = "Admin:Key";

    /// <summary>A key shorter than this is refused at start-up.</summary>
    public const int MinLength = ServiceKey.MinLength;

    /// <summary>A client interceptor that adds the key to every call made through it.</summary>
    public static Interceptor Interceptor(string key) => ServiceKey.Admin.ClientInterceptor(key);

    /// <summary>A call invoker that presents the key on every call: <c>new GatewayAdmin.GatewayAdminClient(AdminKey.Attach(channel, key))</c>.</summary>
    public static CallInvoker Attach(ChannelBase channel, string? key) => ServiceKey.Admin.Attach(channel, key);
}
