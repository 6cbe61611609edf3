using Flux.Swarm;
using Flux.Swarm.Cli;

// `storm ...` runs one storm headless and exits (see docs/benchmarks.md); anything else runs the swarm service.
if (args.Length > 0 && args[0] == "storm")
{
    return await StormCommand.RunAsync(args[1..]);
}
SwarmApp.Build(args).Run();
return 0;
