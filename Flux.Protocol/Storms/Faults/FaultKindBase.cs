namespace Flux.Protocol.Storms.Faults;

/// <summary>
/// What most fault kinds share: a recovery grace of <see cref="DefaultRecoveryGraceSeconds"/>, injection by every shard
/// on its users unless the kind acts on shared parts, and a window that opens with the kind's action and lasts its duration.
/// </summary>
public abstract class FaultKindBase : IFaultKind
{
    /// <summary>Clients reconnect with back-off (up to 5 s) and resume after a fault ends; effects until then are the fault's.</summary>
    public const double DefaultRecoveryGraceSeconds = 5;

    public abstract FaultKind Kind { get; }

    public string Name => FaultKinds.NameOf(Kind);

    public abstract FaultFields Fields { get; }

    public virtual FaultScope Scope => FaultScope.Everyone;

    public virtual double RecoveryGraceSeconds => DefaultRecoveryGraceSeconds;

    public virtual bool ActsOnSharedParts => true;

    public virtual bool RunsAgainstPeers => false;

    /// <summary>Whether the fault needs a duration above 0; one that acts at an instant (a drain, a kill) may have 0.</summary>
    protected virtual bool RequiresDuration => true;

    public abstract string Describe(FaultSpec fault);

    public virtual IEnumerable<string> Validate(FaultSpec fault, StormPlan plan, string name)
    {
        if (RequiresDuration ? fault.Duration is not (> 0 and <= StormPlanValidator.MaxSeconds) : fault.Duration is not (>= 0 and <= StormPlanValidator.MaxSeconds))
        {
            yield return RequiresDuration ? $"{name}: duration must be above 0 s." : $"{name}: duration must be 0 s or more.";
        }
        if (Fields.HasFlag(FaultFields.Gateway) && (fault.Gateway < -1 || fault.Gateway >= Math.Max(1, plan.Gateways.Count)))
        {
            yield return $"{name}: gateway must be -1 (all) or an index into the gateway list.";
        }
        if (Fields.HasFlag(FaultFields.Clients) && (fault.Clients < 1 || fault.Clients > MaxClients(plan)))
        {
            yield return $"{name}: clients must be between 1 and {MaxClientsText(plan)}.";
        }
    }

    /// <summary>The most clients the kind takes: by default the plan's users (it picks among them).</summary>
    protected virtual int MaxClients(StormPlan plan) => plan.Users;

    /// <summary>How a validation message names <see cref="MaxClients"/>.</summary>
    protected virtual string MaxClientsText(StormPlan plan) => "the number of users";

    public abstract FaultAllowance Allowance(FaultSpec fault);

    public virtual async Task InjectAsync(FaultSpec fault, IFaultStage stage, CancellationToken stop)
    {
        await ActAsync(fault, stage, stop).ConfigureAwait(false);
        // The fault's span covers its whole duration.
        await stage.DelayAsync(TimeSpan.FromSeconds(Math.Max(0, fault.Duration)), stop).ConfigureAwait(false);
    }

    /// <summary>What the kind does when its window opens.</summary>
    protected abstract Task ActAsync(FaultSpec fault, IFaultStage stage, CancellationToken stop);

    /// <summary>"gateway 0", or "all gateways".</summary>
    protected static string GatewayName(FaultSpec fault) => fault.Gateway < 0 ? "all gateways" : $"gateway {fault.Gateway}";
}
