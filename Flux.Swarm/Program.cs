using Flux.Swarm;
using Flux.Swarm.Cli;

// Thousands of simulated users each get a message every few milliseconds. Handing every socket completion from
// the epoll thread to the thread pool cost a context switch per message (a quarter of the swarm's CPU, measured
// with perf); the receive handlers are short and never block, so they run inline on the epoll thread instead.
// Read when the socket engine starts, so this must come before any socket is used.
Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

// `storm ...` runs one storm headless and exits (see docs/benchmarks.md); anything else runs the swarm service.
if (args.Length > 0 && args[0] == "storm")
{
    return await StormCli.RunAsync(args[1..]);
}
SwarmApp.Build(args).Run();
return 0;
