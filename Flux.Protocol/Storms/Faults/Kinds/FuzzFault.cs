namespace Flux.Protocol.Storms.Faults.Kinds;

/// <summary>Extra clients send random and mutated frames; each must be closed with a documented code, and the users lose nothing.</summary>
public sealed class FuzzFault : FaultKindBase
{
    public const int MaxFuzzClients = 1_000;

    public override FaultKind Kind => FaultKind.Fuzz;

    public override FaultFields Fields => FaultFields.Duration | FaultFields.Clients;

    public override FaultScope Scope => FaultScope.NoUsers;

    public override string Describe(FaultSpec fault) => $"fuzz: {fault.Clients} clients × {fault.Duration:0.#} s";

    // Its clients are its own, not picked among the users.
    protected override int MaxClients(StormPlan plan) => MaxFuzzClients;

    protected override string MaxClientsText(StormPlan plan) => MaxFuzzClients.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override FaultAllowance Allowance(FaultSpec fault) =>
        FaultAllowance.Nothing with { Text = "its own clients are closed, each with a documented close code; the users lose nothing and are not closed" };

    // The fuzzing clients run for the fault's whole window.
    public override Task InjectAsync(FaultSpec fault, IFaultStage stage, CancellationToken stop) =>
        stage.FuzzAsync(fault.Clients, TimeSpan.FromSeconds(fault.Duration), stop);

    protected override Task ActAsync(FaultSpec fault, IFaultStage stage, CancellationToken stop) => Task.CompletedTask;
}
