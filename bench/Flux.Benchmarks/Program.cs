using BenchmarkDotNet.Running;
using Flux.Benchmarks;

// dotnet run -c Release --project bench/Flux.Benchmarks -- --filter '*Fanout*'   (BenchmarkDotNet)
// dotnet run -c Release --project bench/Flux.Benchmarks -- idle [--connections 10000]
if (args.Length > 0 && args[0] == "idle")
{
    return await IdleConnections.RunAsync(args[1..]);
}
BenchmarkSwitcher.FromAssembly(typeof(FanoutBenchmarks).Assembly).Run(args);
return 0;
