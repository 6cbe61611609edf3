using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Flux.Protocol.Admin;
using Flux.Testing;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Flux.Gateway.Tests.Hardening;

/// <summary>
/// GatewayAdmin (drain, shedding, faults, stats with a forced GC) is for operators only. It is mapped
/// on the admin endpoint alone and every call must present the shared admin key.
/// </summary>
public sealed class AdminAccessTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Every_admin_call_without_the_key_is_refused_as_unauthenticated()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        var anonymous = gateway.AnonymousAdmin;
        var wrongKey = new GatewayAdmin.GatewayAdminClient(GrpcChannel.ForAddress(gateway.GrpcUri).Intercept(metadata =>
        {
            metadata.Add(GatewayTestHost.AdminKeyHeader, "not-the-key");
            return metadata;
        }));

        foreach (var admin in new[] { anonymous, wrongKey })
        {
            await AssertUnauthenticated(() => admin.GetStatsAsync(new GetStatsRequest()).ResponseAsync);
            await AssertUnauthenticated(() => admin.GetStatsAsync(new GetStatsRequest { FullGc = true }).ResponseAsync);
            await AssertUnauthenticated(() => admin.SetSheddingAsync(new SetSheddingRequest { Level = 2 }).ResponseAsync);
            await AssertUnauthenticated(() => admin.InjectFaultAsync(new InjectFaultRequest { GcPressure = new GcPressure { Seconds = 1, MegabytesPerSecond = 1 } }).ResponseAsync);
            await AssertUnauthenticated(() => admin.DrainAsync(new DrainRequest { TimeoutMs = 100 }).ResponseAsync);
        }

        // Nothing happened, and the operator's key still works.
        var stats = await gateway.Admin.GetStatsAsync(new GetStatsRequest());
        Assert.False(stats.Draining);
        Assert.Equal(0, stats.Shedding.Level);
    }

    [Theory]
    [InlineData("/flux.admin.v1.GatewayAdmin/Drain")]
    [InlineData("/FLUX.ADMIN.V1.GATEWAYADMIN/Drain")] // routing ignores case, so the check must too
    [InlineData("/flux.admin.v1.gatewayadmin/drain")]
    public async Task The_client_endpoint_does_not_answer_admin_calls_when_an_admin_port_exists(string path)
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        using var http = new HttpClient { BaseAddress = gateway.HttpUri };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent([0, 0, 0, 0, 0]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.Add(GatewayTestHost.AdminKeyHeader, TestKeys.AdminKey);

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False((await gateway.Admin.GetStatsAsync(new GetStatsRequest())).Draining);
    }

    [Fact]
    public async Task Without_an_admin_port_the_admin_service_is_not_mapped_even_on_a_tls_client_endpoint()
    {
        string certificate = CreateCertificate(out string password);
        int port = FreePort.Next();
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, new Dictionary<string, string?>
        {
            ["urls"] = $"https://127.0.0.1:{port}",
            ["GRPC_PORT"] = "",
            ["Kestrel:Certificates:Default:Path"] = certificate,
            ["Kestrel:Certificates:Default:Password"] = password,
        });
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = handler });
        var admin = new GatewayAdmin.GatewayAdminClient(channel.Intercept(metadata =>
        {
            metadata.Add(GatewayTestHost.AdminKeyHeader, TestKeys.AdminKey);
            return metadata;
        }));

        var error = await Assert.ThrowsAsync<RpcException>(() => admin.DrainAsync(new DrainRequest { TimeoutMs = 100 }).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator });
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"https://127.0.0.1:{port}/health")).StatusCode);
    }

    private static async Task AssertUnauthenticated(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    // A self-signed certificate for 127.0.0.1, written as a password-protected PFX for Kestrel.
    private static string CreateCertificate(out string password)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        password = Guid.NewGuid().ToString("N");
        string path = Path.Combine(Path.GetTempPath(), $"flux-test-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return path;
    }
}
