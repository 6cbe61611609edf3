namespace Flux.Protocol.Storms.Faults;

/// <summary>The fields of a <see cref="FaultSpec"/> beyond its start that a kind reads: the form, the CLI and the validator ask its kind.</summary>
[Flags]
public enum FaultFields
{
    None = 0,
    Duration = 1,
    Clients = 2,
    MegabytesPerSecond = 4,
    /// <summary>Which gateway (an index into the plan's, or -1 for all).</summary>
    Gateway = 8,
    Factor = 16,
    DelayMs = 32,
}
