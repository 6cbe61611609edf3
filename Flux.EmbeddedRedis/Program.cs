using System.Runtime.InteropServices;
using Garnet;

// Runs Microsoft Garnet as Flux's embedded Redis-protocol server until SIGTERM or Ctrl+C.
// Usage: Flux.EmbeddedRedis [--port N] [--data DIR] [any Garnet option...]
var options = EmbeddedRedisOptions.Parse(args, Environment.GetEnvironmentVariable);
string[] garnetArgs = options.ToGarnetArgs();

using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });

try
{
    using var server = new GarnetServer(garnetArgs);
    server.Start();
    Console.WriteLine($"Flux embedded Redis (Garnet) listening on {options.Bind}:{options.Port}, data in {options.DataDirectory}");
    stop.Token.WaitHandle.WaitOne();
    Console.WriteLine("Flux embedded Redis stopping");
}
catch (Exception ex)
{
    Console.Error.WriteLine($"Flux embedded Redis failed to start: {ex.Message}");
    return 1;
}
return 0;
