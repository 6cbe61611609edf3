using System.Runtime.InteropServices;
using Garnet;

// Runs Microsoft Garnet as Flux's embedded Redis-protocol server until SIGTERM or Ctrl+C.
// Usage: Flux.EmbeddedRedis [--port N] [--data DIR] [--checkpoint-above SIZE] [any Garnet option...]
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
    try
    {
        ReportCheckpoint(Checkpoints.AtStart(options), "at start, before any client");
    }
    catch (TimeoutException ex)
    {
        // The hung server still holds the files: no other may open them, and disposing it would hang as well.
        ExitHung(ex, "no server started; --checkpoint-above off starts without it");
    }
    catch (Exception ex)
    {
        Console.Error.WriteLine($"Flux embedded Redis: no checkpoint at start ({ex.Message}); this start replays the whole append-only file");
    }
    while (!stop.IsCancellationRequested)
    {
        using var restart = new SemaphoreSlim(0);
        using (var server = new EmbeddedGarnet(garnetArgs))
        {
            server.Register.NewProcedure(RestartProcedure.Name, () => new RestartProcedure(() => restart.Release()));
            server.Start();
            Console.WriteLine($"Flux embedded Redis (Garnet) listening on {options.Bind}:{options.Port}, data in {options.DataDirectory}");
            int signalled = WaitHandle.WaitAny([stop.Token.WaitHandle, restart.AvailableWaitHandle]);
            // Let the reply to FLUX.RESTART go out before every connection drops.
            if (signalled == 1) Thread.Sleep(RestartProcedure.ReplyDelay);
            GracefulStop.CommitEverything(server);
            if (signalled == 0)
            {
                try
                {
                    ReportCheckpoint(Checkpoints.AtStop(server, options), "at stop, after the last client");
                }
                catch (TimeoutException ex)
                {
                    ExitHung(ex, "every write was committed before it");
                }
                catch (Exception ex)
                {
                    Console.Error.WriteLine($"Flux embedded Redis: no checkpoint at stop ({ex.Message}); every write is committed, and the next start checks again");
                }
                break;
            }
            Console.WriteLine("Flux embedded Redis restarting (FLUX.RESTART)");
        }
        Thread.Sleep(RestartProcedure.DownTime);
    }
    Console.WriteLine("Flux embedded Redis stopping");
}
catch (Exception ex)
{
    Console.Error.WriteLine($"Flux embedded Redis failed: {ex.Message}");
    return 1;
}
return 0;

static void ExitHung(TimeoutException ex, string state)
{
    Console.Error.WriteLine($"Flux embedded Redis: {ex.Message}; {state}");
    Environment.Exit(1);
}

static void ReportCheckpoint(Checkpoints.Result? result, string when)
{
    if (result is not { } r) return;
    string pending = $"{r.BytesSinceCheckpoint / (1024.0 * 1024.0):0.0} MB";
    Console.WriteLine(r.Checkpointed
        ? $"Flux embedded Redis: checkpointed {pending} of the append-only file {when}, in {r.Took.TotalSeconds:0.0} s; the next start replays none of it"
        : $"Flux embedded Redis: {pending} of the append-only file since its last checkpoint {when}, not worth one yet");
}
