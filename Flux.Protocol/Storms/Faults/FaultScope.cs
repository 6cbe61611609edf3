namespace Flux.Protocol.Storms.Faults;

/// <summary>Which users a fault can explain what happened to: its allowance excuses nothing for anyone else.</summary>
public enum FaultScope
{
    /// <summary>Every user (Redis restarted, a surge: the whole system is under it).</summary>
    Everyone,

    /// <summary>Only the users the fault picked (slow consumers, a partition).</summary>
    PickedUsers,

    /// <summary>Only the users connected (or connecting) to the gateway it acts on, or to any when it acts on all.</summary>
    TargetGateways,

    /// <summary>No user: the fault has clients of its own (fuzzing).</summary>
    NoUsers,
}
