using Flux.Dashboard;
using Flux.Dashboard.Components;
using Flux.Dashboard.Gateways;
using Flux.Dashboard.Reports;
using Flux.Dashboard.Security;
using Flux.Dashboard.Storms;
using Flux.Dashboard.Visitors;
using Flux.Protocol.Admin;
using Flux.Protocol.Control;
using Flux.Protocol.Security;

var builder = WebApplication.CreateBuilder(args);
// Serve the framework's script and this app's static files straight from the build output, in any environment.
builder.WebHost.UseStaticWebAssets();
builder.AddServiceDefaults();
builder.Services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.Section);
builder.Services.AddRazorComponents().AddInteractiveServerComponents();

var dashboard = builder.Configuration.GetSection(DashboardOptions.Section).Get<DashboardOptions>() ?? new DashboardOptions();
// WatchStorm streams for minutes: the default HTTP resilience (10 s attempts, 30 s in all) would cut it, so gRPC clients go
// without. RemoveAllResilienceHandlers is marked experimental (EXTEXP0001); it is the documented way to opt a client out.
#pragma warning disable EXTEXP0001
builder.Services.AddGrpcClient<SwarmControl.SwarmControlClient>(o => o.Address = new Uri(dashboard.SwarmAddress))
    .AddInterceptor(() => ServiceKey.Swarm.ClientInterceptor(builder.Configuration[ServiceKey.Swarm.ConfigKey] ?? ""))
    .RemoveAllResilienceHandlers();
foreach (string gateway in dashboard.Gateways)
{
    builder.Services.AddGrpcClient<GatewayAdmin.GatewayAdminClient>(gateway, o => o.Address = new Uri($"http://_grpc.{gateway}"))
        .AddInterceptor(() => AdminKey.Interceptor(builder.Configuration[AdminKey.ConfigKey] ?? ""))
        .RemoveAllResilienceHandlers();
}
#pragma warning restore EXTEXP0001
builder.Services.AddSingleton<StormWatcher>();
builder.Services.AddSingleton<VisitorDeskClient>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<StormWatcher>());
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<GatewayStatsPoller>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<GatewayStatsPoller>());

string? dashboardKey = builder.Configuration[DashboardOptions.KeyConfigKey];
if (DashboardExposure.Refusal(builder.Configuration, dashboardKey) is { } refusal) throw new InvalidOperationException(refusal);

var app = builder.Build();
app.UseCrossSiteGuard(dashboardKey);
app.UseAntiforgery();
app.MapStaticAssets();
app.MapDefaultEndpoints();
app.MapReports();
app.MapStormApi();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.Run();

/// <summary>The entry point, visible to the component tests.</summary>
public partial class Program;
