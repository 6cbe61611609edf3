using System.Runtime.InteropServices;
using Garnet;

// Runs Microsoft Garnet as Flux's embedded Redis-protocol server until SIGTERM or Ctrl+C.
// Usage: Flux.EmbeddedRedis [--port N] [--data DIR] [--compact-above SIZE] [any Garnet option...]
// The command FLUX.RESTART restarts the server in this process (the storm's restart-redis fault): every client
// connection drops, and the new server recovers its data from the append-only file.
EmbeddedRedisOptions options;
try
{
    options = EmbeddedRedisOptions.Parse(args, Environment.GetEnvironmentVariable);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"Flux embedded Redis: {ex.Message}");
    return 2;
}
string[] garnetArgs = options.ToGarnetArgs();

using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });

try
{
    ReportCompaction(StartupCompaction.Run(options));
    while (!stop.IsCancellationRequested)
    {
        using var restart = new SemaphoreSlim(0);
        using (var server = new GarnetServer(garnetArgs))
        {
            server.Register.NewProcedure(RestartProcedure.Name, () => new RestartProcedure(() => restart.Release()));
            server.Start();
            Console.WriteLine($"Flux embedded Redis (Garnet) listening on {options.Bind}:{options.Port}, data in {options.DataDirectory}");
            int signalled = WaitHandle.WaitAny([stop.Token.WaitHandle, restart.AvailableWaitHandle]);
            // Let the reply to FLUX.RESTART go out before every connection drops.
            if (signalled == 1) Thread.Sleep(RestartProcedure.ReplyDelay);
            GracefulStop.CommitEverything(server);
            if (signalled == 0) break;
            Console.WriteLine("Flux embedded Redis restarting (FLUX.RESTART)");
        }
        Thread.Sleep(RestartProcedure.DownTime);
    }
    Console.WriteLine("Flux embedded Redis stopping");
}
catch (Exception ex)
{
    Console.Error.WriteLine($"Flux embedded Redis failed to start: {ex.Message}");
    return 1;
}
return 0;

static void ReportCompaction(StartupCompaction.Result? result)
{
    if (result is not { } r) return;
    string pending = $"{r.WritesSinceCheckpoint / (1024.0 * 1024.0):0.0} MB";
    Console.WriteLine(r.Compacted
        ? $"Flux embedded Redis: checkpointed {pending} of the append-only file in {r.Took.TotalSeconds:0.0} s; this start replays none of it"
        : $"Flux embedded Redis: {pending} of the append-only file since its last checkpoint, not worth one yet ({r.Took.TotalSeconds:0.0} s)");
}
