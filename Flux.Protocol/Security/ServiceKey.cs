using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Flux.Protocol.Security;

/// <summary>
/// A shared secret a gRPC service asks of every call, in one header: the gateways' admin service asks
/// <see cref="Admin"/>, the swarm's services (<c>SwarmControl</c>, <c>SwarmAgent</c>) ask <see cref="Swarm"/>. A client
/// presents it on every kind of call through <see cref="Attach"/>; a server checks it on every kind of handler (unary and
/// streaming alike), in constant time, with a <see cref="ServiceKeyCheck"/>.
/// </summary>
public sealed class ServiceKey
{
    /// <summary>A key shorter than this is refused at start-up.</summary>
    public const int MinLength = 16;

    /// <summary>The gateways' admin key: <c>x-flux-admin-key</c>, from <c>Admin:Key</c> (the Aspire secret parameter <c>admin-key</c>).</summary>
    public static readonly ServiceKey Admin = new("x-flux-admin-key", "Admin:Key", "GatewayAdmin");

    /// <summary>The swarm's key: <c>x-flux-swarm-key</c>, from <c>Swarm:Key</c> (the Aspire secret parameter <c>swarm-key</c>).</summary>
    public static readonly ServiceKey Swarm = new("x-flux-swarm-key", "Swarm:Key", "The swarm (SwarmControl, SwarmAgent)");

    private ServiceKey(string headerName, string configKey, string service)
    {
        HeaderName = headerName;
        ConfigKey = configKey;
        Service = service;
    }

    public string HeaderName { get; }

    /// <summary>Where the key is configured (as an environment variable, with <c>__</c> for <c>:</c>).</summary>
    public string ConfigKey { get; }

    /// <summary>What asks for it, for messages.</summary>
    public string Service { get; }

    /// <summary>A client interceptor that adds the key to every call made through it.</summary>
    public Interceptor ClientInterceptor(string key) => new AddKey(HeaderName, key);

    /// <summary>A call invoker that presents the key on every call (none when the key is empty).</summary>
    public CallInvoker Attach(ChannelBase channel, string? key) =>
        string.IsNullOrEmpty(key) ? channel.CreateCallInvoker() : channel.CreateCallInvoker().Intercept(ClientInterceptor(key));

    private sealed class AddKey(string header, string key) : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request,
            ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithKey(context));

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
            BlockingUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithKey(context));

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
            ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithKey(context));

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
            ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(WithKey(context));

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
            ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(WithKey(context));

        private ClientInterceptorContext<TRequest, TResponse> WithKey<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
            where TRequest : class where TResponse : class
        {
            var headers = context.Options.Headers ?? [];
            headers.Add(header, key);
            return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
        }
    }
}

/// <summary>
/// Refuses, with <c>UNAUTHENTICATED</c>, every call of any kind (unary, server, client or duplex streaming) that does
/// not present the key; compared in constant time. A service derives from it to log the refusals (<see cref="Refused"/>).
/// </summary>
public abstract class ServiceKeyCheck(ServiceKey service, string? key) : Interceptor
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(key ?? "");

    /// <summary>A call was refused: its method, and why.</summary>
    protected abstract void Refused(string method, string reason);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authenticate(ServerCallContext context)
    {
        string? presented = context.RequestHeaders.GetValue(service.HeaderName);
        bool valid = _key.Length > 0 && presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key);
        if (valid) return;
        Refused(context.Method, presented is null ? $"no {service.HeaderName} header" : "wrong key");
        throw new RpcException(new Status(StatusCode.Unauthenticated, $"{service.Service} needs the key in the {service.HeaderName} header"));
    }
}
