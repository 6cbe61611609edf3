using Flux.Gateway;

// Standalone: ASPNETCORE_URLS, ConnectionStrings__redis, Auth__SigningKey (base64), and optionally GRPC_PORT.
var app = GatewayApp.Build(args);
app.Run();
