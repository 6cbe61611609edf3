using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Flux.Protocol.Admin;

/// <summary>
/// The shared secret that every GatewayAdmin call must present, in the <c>x-flux-admin-key</c> header. The gateways,
/// the swarm and the dashboard read it from <c>Admin:Key</c> (env <c>Admin__Key</c>; the Aspire secret parameter
/// <c>admin-key</c>).
/// </summary>
public static class AdminKey
{
    public const string HeaderName = "x-flux-admin-key";

    public const string ConfigKey = "Admin:Key";

    /// <summary>A key shorter than this is refused at start-up.</summary>
    public const int MinLength = 16;

    /// <summary>A client interceptor that adds the key to every call made through it.</summary>
    public static Interceptor Interceptor(string key) => new AddKeyInterceptor(key);

    /// <summary>A call invoker that presents the key on every call: <c>new GatewayAdmin.GatewayAdminClient(AdminKey.Attach(channel, key))</c>.</summary>
    public static CallInvoker Attach(ChannelBase channel, string? key) =>
        string.IsNullOrEmpty(key) ? channel.CreateCallInvoker() : channel.CreateCallInvoker().Intercept(new AddKeyInterceptor(key));

    private sealed class AddKeyInterceptor(string key) : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request,
            ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithKey(context));

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
            ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithKey(context));

        private ClientInterceptorContext<TRequest, TResponse> WithKey<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
            where TRequest : class where TResponse : class
        {
            var headers = context.Options.Headers ?? [];
            headers.Add(HeaderName, key);
            return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
        }
    }
}
