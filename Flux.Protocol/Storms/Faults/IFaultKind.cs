namespace Flux.Protocol.Storms.Faults;

/// <summary>
/// One kind of fault, whole: its name, how it reads in a report, the fields it takes, how they are checked, what it may
/// cause and to whom, and how it is injected. Kinds are listed once, in <see cref="FaultKinds"/>; the validator, the
/// form, the CLI, the injector and the verdict look a kind up there instead of switching over <see cref="FaultKind"/>.
/// </summary>
public interface IFaultKind
{
    FaultKind Kind { get; }

    /// <summary>The name the CLI, the form and the reports use (kebab-case, e.g. <c>slow-consumers</c>).</summary>
    string Name { get; }

    /// <summary>The fields the kind reads; the form enables only these.</summary>
    FaultFields Fields { get; }

    /// <summary>Whose troubles it can explain.</summary>
    FaultScope Scope { get; }

    /// <summary>How long after the fault ends what happens is still its (clients reconnect with back-off and resume).</summary>
    double RecoveryGraceSeconds { get; }

    /// <summary>
    /// It acts on parts every shard of a distributed storm shares (gateways, Redis, clients of its own), so only the
    /// lead shard injects it; a kind that acts on users is injected by every shard on its own users.
    /// </summary>
    bool ActsOnSharedParts { get; }

    /// <summary>Whether a storm against a peer (SignalR, Socket.IO: no resume, no admin, no epochs) can take it.</summary>
    bool RunsAgainstPeers { get; }

    /// <summary>One line for reports and logs, e.g. "partition: 100 × 5 s".</summary>
    string Describe(FaultSpec fault);

    /// <summary>What is wrong with the fault's fields in <paramref name="plan"/>, each message starting with <paramref name="name"/>.</summary>
    IEnumerable<string> Validate(FaultSpec fault, StormPlan plan, string name);

    /// <summary>What it may cause, as planned (before injection may revise it).</summary>
    FaultAllowance Allowance(FaultSpec fault);

    /// <summary>Injects the fault and returns when its window is over.</summary>
    Task InjectAsync(FaultSpec fault, IFaultStage stage, CancellationToken stop);
}
