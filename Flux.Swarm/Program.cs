var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGrpcEndpoint();
builder.AddRedisClient("redis");
var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
